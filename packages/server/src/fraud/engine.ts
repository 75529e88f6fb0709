/**
 * The fraud engine (docs/design.md "V-Guard and the fraud engine"; docs/fraud-engine.md). It
 * scores provisioning, replenishment and every authorization from the rules of rules.ts, decides
 * approve / step-up / decline against the configured thresholds, and stores every decision in
 * `risk_decisions` with the rules that fired, their weights and evidence. It is the server's
 * `riskEngine`: an authorization it declines (step-up included: a tap cannot be stepped up
 * after the fact) carries `DEVICE_COMPROMISED` when the device-threats typology weighs most and
 * V-Guard reported a threat, the name of what fired when that typology weighs most without one
 * (`PROTECTION_LEVEL_TOO_LOW` for a device attested below `minProtectionLevel`, `DEVICE_SILENT`,
 * `THREAT_REPORT_GAPS`), `DEVICE_SILENT` when the device is silent past the silence window (a
 * decline whatever the score: config `silence`), `RISK_DECLINE` otherwise. Deterministic: the
 * time is the context's `now` or the injected clock. Each stored decision is also published as an
 * event (fire and forget; docs/scaling.md "Threat intelligence as a stream") when an event sink
 * is given.
 */
import { randomUUID } from 'node:crypto';
import { isBlockingReaction, type ReactionPolicy } from '@openvse/protocol';
import type { RiskAssessment, RiskContext, RiskEngine } from '../authorization/risk-engine.js';
import type { Clock } from '../clock.js';
import type { AuthorizationRiskFacts, AuthorizationRiskQuery } from '../domain/authorizations.js';
import type { CardRow } from '../domain/cards.js';
import type { DeviceRow } from '../domain/devices.js';
import type { FiredRule, RiskContextType, RiskDecisionRow, RiskOutcome } from '../domain/risk-decisions.js';
import type { DeviceRiskRow, ThreatRow } from '../domain/threats.js';
import type { Store } from '../storage/store.js';
import type { EventSink } from '../stream/event-bus.js';
import { riskDecisionEvent } from '../stream/events.js';
import { currentPolicy } from '../threats/policy-versions.js';
import { riskView } from '../threats/state.js';
import { type FraudConfig, type FraudConfigInput, type RuleId, resolveFraudConfig } from './config.js';
import {
  amountRules,
  atcRules,
  cryptogramRules,
  type DeviceFacts,
  deviceThreatRules,
  fire,
  provisioningRules,
  silentPastWindow,
  velocityRules,
} from './rules.js';

/** The reasons a decision that is not an approval carries. */
export const RISK_REASON = {
  /** The device-threats typology weighs most and V-Guard reported a threat (now or recently). */
  DEVICE_COMPROMISED: 'DEVICE_COMPROMISED',
  RISK_DECLINE: 'RISK_DECLINE',
  RISK_STEP_UP: 'RISK_STEP_UP',
  /**
   * Authorizations of a device silent past `silence.declineAfterSeconds` (withholding); also a
   * decision where the device-threats typology weighs most and silence is its heaviest rule.
   */
  DEVICE_SILENT: 'DEVICE_SILENT',
  /**
   * The device-threats typology weighs most, no threat was reported, and its heaviest rule is
   * PROTECTION_LEVEL_LOW: the device attested a level below `minProtectionLevel`. Not a compromise.
   */
  PROTECTION_LEVEL_TOO_LOW: 'PROTECTION_LEVEL_TOO_LOW',
  /** As above, with THREAT_REPORT_GAPS the heaviest rule (reports that never arrived). */
  THREAT_REPORT_GAPS: 'THREAT_REPORT_GAPS',
} as const;

/** The device-threat rules that say V-Guard reported a threat: a decision they weigh in is a compromise. */
const THREAT_RULES: ReadonlySet<string> = new Set<RuleId>([
  'DEVICE_COMPROMISED',
  'DEVICE_THREAT_CRITICAL',
  'DEVICE_THREAT_HIGH',
  'DEVICE_THREAT_MEDIUM',
  'DEVICE_THREAT_LOW',
  'DEVICE_RECENT_COMPROMISE',
]);

/** The reason a device-threats decision carries when no reported threat is among its rules. */
const DEVICE_RULE_REASON: Partial<Record<RuleId, string>> = {
  PROTECTION_LEVEL_LOW: RISK_REASON.PROTECTION_LEVEL_TOO_LOW,
  DEVICE_SILENT: RISK_REASON.DEVICE_SILENT,
  THREAT_REPORT_GAPS: RISK_REASON.THREAT_REPORT_GAPS,
};

/**
 * The reason of a decision the device-threats typology weighs most in, named after what fired:
 * DEVICE_COMPROMISED only when V-Guard reported a threat; otherwise after the heaviest device
 * rule (a device refused only for its attested protection level is PROTECTION_LEVEL_TOO_LOW).
 */
function deviceReason(rules: FiredRule[]): string {
  const device = rules.filter((r) => r.typology === 'device_threats');
  if (device.some((r) => THREAT_RULES.has(r.rule))) return RISK_REASON.DEVICE_COMPROMISED;
  const heaviest = device.reduce<FiredRule | undefined>(
    (h, r) => (h && h.weight >= r.weight ? h : r),
    undefined,
  );
  return (heaviest && DEVICE_RULE_REASON[heaviest.rule as RuleId]) ?? RISK_REASON.DEVICE_COMPROMISED;
}

const HISTORY_LIMIT = 1000;
const THREATS_LIMIT = 200;

/** The device-threat rules' facts from what was read about the device. */
function deviceFactsOf(
  device: DeviceRow,
  risk: DeviceRiskRow | undefined,
  recent: ThreatRow[],
  policy: ReactionPolicy,
  now: number,
): DeviceFacts {
  const blocking = risk ? recent.filter((t) => isBlockingReaction(t.reaction)) : [];
  return {
    view: riskView(device.deviceId, risk, policy, now),
    protectionLevel: device.protectionLevel,
    recentBlocking: blocking.map((t) => ({ code: t.code, receivedAt: t.receivedAt })),
    heartbeatSeconds: policy.heartbeatSeconds,
  };
}

/** One decision, as stored in `risk_decisions`. */
export interface FraudDecision {
  id: string;
  context: RiskContextType;
  score: number;
  outcome: RiskOutcome;
  /** APPROVED or one of {@link RISK_REASON} (DEVICE_COMPROMISED, PROTECTION_LEVEL_TOO_LOW, …) */
  reason: string;
  rules: FiredRule[];
}

/** The fraud engine: scores, decides against the thresholds and records every decision. */
export class FraudEngine implements RiskEngine {
  readonly config: FraudConfig;
  readonly #store: Store;
  readonly #clock: Clock;
  /** The reaction policy last read, reused while its stored version is unchanged. */
  #policy: ReactionPolicy | undefined;

  /** Where each stored decision is published (stream/event-bus.ts), when given. */
  readonly #events: EventSink | undefined;

  constructor(store: Store, clock: Clock, config: FraudConfigInput = {}, events?: EventSink) {
    this.#store = store;
    this.#clock = clock;
    this.config = resolveFraudConfig(config);
    this.#events = events;
  }

  policy(): Promise<ReactionPolicy> {
    return currentPolicy(this.#store);
  }

  /** The device-threats facts of a device (undefined device → no facts). */
  async deviceFacts(device: DeviceRow, now: number, policy?: ReactionPolicy): Promise<DeviceFacts> {
    const p = policy ?? (await this.policy());
    const risk = await this.#store.getDeviceRisk(device.deviceId);
    const recent = risk
      ? await this.#store.listThreats({
          deviceId: device.deviceId,
          since: now - this.config.recentCompromiseSeconds * 1000,
          limit: THREATS_LIMIT,
        })
      : [];
    return deviceFactsOf(device, risk, recent, p, now);
  }

  /** The policy of this stored version: the cached one while the version is unchanged. */
  async #policyAt(version: number): Promise<ReactionPolicy> {
    if (this.#policy?.version === version) return this.#policy;
    const p = await this.policy();
    this.#policy = p;
    return p;
  }

  /**
   * What the engine reads about an authorization (RiskEngine.factsQuery): the authorization
   * reads it with its other facts, in one round trip on PostgreSQL (docs/scaling.md).
   */
  factsQuery(now: number): AuthorizationRiskQuery {
    return {
      historySince: now - this.config.amount.historyDays * 86_400_000,
      historyLimit: HISTORY_LIMIT,
      threatsSince: now - this.config.recentCompromiseSeconds * 1000,
      threatsLimit: THREATS_LIMIT,
    };
  }

  #decide(context: RiskContextType, rules: FiredRule[]): Omit<FraudDecision, 'id'> {
    const score = rules.reduce((n, r) => n + r.weight, 0);
    const t = this.config.thresholds;
    const outcome: RiskOutcome = score >= t.decline ? 'decline' : score >= t.stepUp ? 'step_up' : 'approve';
    let reason = 'APPROVED';
    if (outcome !== 'approve') {
      const byTypology = new Map<string, number>();
      for (const r of rules) byTypology.set(r.typology, (byTypology.get(r.typology) ?? 0) + r.weight);
      const device = byTypology.get('device_threats') ?? 0;
      const others = Math.max(
        0,
        ...[...byTypology].filter(([k]) => k !== 'device_threats').map(([, v]) => v),
      );
      reason =
        device > 0 && device >= others
          ? deviceReason(rules)
          : outcome === 'step_up'
            ? RISK_REASON.RISK_STEP_UP
            : RISK_REASON.RISK_DECLINE;
    }
    return { context, score, outcome, reason, rules };
  }

  async #record(
    d: Omit<FraudDecision, 'id'>,
    ids: { deviceId: string | null; cardId: string | null; authorizationId: string | null },
    now: number,
  ): Promise<FraudDecision> {
    const row: RiskDecisionRow = { id: randomUUID(), ...ids, ...d, createdAt: now };
    await this.#store.insertRiskDecision(row);
    this.#events?.publish(riskDecisionEvent(row));
    return { id: row.id, ...d };
  }

  /**
   * RiskEngine hook (authorization route, step 8). The decision is not written here: it comes
   * back as `record` and is stored in the authorization's own transaction.
   */
  async assess(ctx: RiskContext): Promise<RiskAssessment> {
    const d = await this.assessAuthorization(ctx);
    const record: RiskDecisionRow = {
      id: randomUUID(),
      deviceId: ctx.deviceId,
      cardId: ctx.cardId,
      authorizationId: ctx.authorizationId,
      ...d,
      createdAt: ctx.now,
    };
    if (d.outcome === 'approve') return { decision: 'APPROVE', reasons: [], record };
    // A tap cannot be stepped up after the fact: step-up is a decline (RISK_STEP_UP listed after).
    const primary = d.reason === RISK_REASON.RISK_STEP_UP ? RISK_REASON.RISK_DECLINE : d.reason;
    return {
      decision: 'DECLINE',
      // Distinct: the primary reason can also be a rule id (DEVICE_COMPROMISED).
      reasons: [
        ...new Set([
          primary,
          ...(d.outcome === 'step_up' ? [RISK_REASON.RISK_STEP_UP] : []),
          ...d.rules.map((r) => r.rule),
        ]),
      ],
      record,
    };
  }

  /**
   * An authorization's decision from its facts (the context's, prefetched by the authorization;
   * else read here). Pure but for the policy, read only when its stored version changed.
   */
  async assessAuthorization(ctx: RiskContext): Promise<Omit<FraudDecision, 'id'>> {
    const now = ctx.now;
    const c = this.config;
    const facts = ctx.facts ?? (await this.#readFacts(ctx));
    const rules: FiredRule[] = [];
    let silence: FiredRule['evidence'] | undefined;
    if (facts.device) {
      const policy = await this.#policyAt(facts.policyVersion);
      const df = deviceFactsOf(facts.device, facts.deviceRisk, facts.recentThreats, policy, now);
      rules.push(...deviceThreatRules(c, df));
      silence = silentPastWindow(c, df, now);
    }
    const history = facts.history;
    rules.push(
      ...atcRules(c, ctx.atc, ctx.highestAtc, history, now),
      ...cryptogramRules(c, history, now),
      ...velocityRules(c, history, now),
      ...amountRules(c, ctx.amount, history),
    );
    let decision = this.#decide('authorization', rules);
    // Silent past the window: declined whatever the score (a compromise still names itself).
    if (silence && decision.reason !== RISK_REASON.DEVICE_COMPROMISED) {
      const fired = rules.find((r) => r.rule === 'DEVICE_SILENT');
      if (fired) fired.evidence = { ...fired.evidence, ...silence };
      else rules.unshift(...fire(c, 'DEVICE_SILENT', silence));
      decision = {
        ...this.#decide('authorization', rules),
        outcome: 'decline',
        reason: RISK_REASON.DEVICE_SILENT,
      };
    }
    return decision;
  }

  /**
   * The facts of {@link factsQuery} for a caller that did not prefetch them: the store's same
   * one read (Store.authorizationFacts), under a key no authorization can hold.
   */
  async #readFacts(ctx: RiskContext): Promise<AuthorizationRiskFacts> {
    const f = await this.#store.authorizationFacts({
      idempotencyKey: '',
      cardId: ctx.cardId,
      atc: ctx.atc,
      risk: this.factsQuery(ctx.now),
    });
    return f.risk!;
  }

  /** Before a card is bound and provisioned to a device. */
  async assessProvisioning(device: DeviceRow, card: CardRow): Promise<FraudDecision> {
    const now = this.#clock.now();
    const c = this.config;
    const since = now - c.provisioning.windowSeconds * 1000;
    const rules = [
      ...deviceThreatRules(c, await this.deviceFacts(device, now)),
      ...provisioningRules(c, {
        provisionsByDevice: await this.#store.countRiskDecisions({
          context: 'provision',
          deviceId: device.deviceId,
          since,
        }),
        provisionsByCard: await this.#store.countRiskDecisions({
          context: 'provision',
          cardId: card.cardId,
          since,
        }),
        enrollmentsByDevice: await this.#store.countRiskDecisions({
          context: 'enroll',
          deviceId: device.deviceId,
          since,
        }),
      }),
      ...cryptogramRules(c, await this.#store.authorizationsForCard(card.cardId, since, HISTORY_LIMIT), now),
    ];
    return this.#record(
      this.#decide('provision', rules),
      { deviceId: device.deviceId, cardId: card.cardId, authorizationId: null },
      now,
    );
  }

  /** Before fresh credentials are issued on a replenish statement. */
  async assessReplenishment(device: DeviceRow, card: CardRow): Promise<FraudDecision> {
    const now = this.#clock.now();
    const c = this.config;
    const rules = [
      ...deviceThreatRules(c, await this.deviceFacts(device, now)),
      ...provisioningRules(c, {
        replenishmentsByCard: await this.#store.countRiskDecisions({
          context: 'replenish',
          cardId: card.cardId,
          since: now - 3_600_000,
        }),
      }),
      ...cryptogramRules(
        c,
        await this.#store.authorizationsForCard(
          card.cardId,
          now - c.cryptogram.windowSeconds * 1000,
          HISTORY_LIMIT,
        ),
        now,
      ),
    ];
    return this.#record(
      this.#decide('replenish', rules),
      { deviceId: device.deviceId, cardId: card.cardId, authorizationId: null },
      now,
    );
  }

  /** After an enrollment: recorded (it feeds ENROLL_VELOCITY_DEVICE), not enforced. */
  async recordEnrollment(device: DeviceRow): Promise<FraudDecision> {
    const now = this.#clock.now();
    const c = this.config;
    const rules = [
      ...deviceThreatRules(c, await this.deviceFacts(device, now)),
      ...provisioningRules(c, {
        enrollmentsByDevice: await this.#store.countRiskDecisions({
          context: 'enroll',
          deviceId: device.deviceId,
          since: now - c.provisioning.windowSeconds * 1000,
        }),
      }),
    ];
    return this.#record(
      this.#decide('enroll', rules),
      { deviceId: device.deviceId, cardId: null, authorizationId: null },
      now,
    );
  }
}
