/**
 * The fraud rules, grouped in typologies (docs/fraud-engine.md "Rules"). Each function reads a
 * snapshot of facts gathered by the engine (no I/O, no clock: `now` is a fact) and returns the
 * rules that fired with their weight and the evidence that made them fire, so that a stored
 * decision explains itself.
 */
import {
  isBlockingReaction,
  isProtectionLevel,
  levelAtLeast,
  type RiskView,
  SEVERITY_RANK,
} from '@openvse/protocol';
import type { AuthorizationSummary } from '../domain/authorizations.js';
import type { FiredRule } from '../domain/risk-decisions.js';
import { SILENCE_FACTOR } from '../threats/state.js';
import { type FraudConfig, RULES, type RuleId, weightOf } from './config.js';

type Evidence = FiredRule['evidence'];

/** The rule as fired with this evidence, or nothing when its weight is 0 (disabled). */
export function fire(c: FraudConfig, rule: RuleId, evidence: Evidence): FiredRule[] {
  const weight = weightOf(c, rule);
  return weight > 0 ? [{ rule, typology: RULES[rule].typology, weight, evidence }] : [];
}

/** What the device-threat rules read about a device. */
export interface DeviceFacts {
  view: RiskView;
  protectionLevel: string;
  /** Blocking threats received within `recentCompromiseSeconds`. */
  recentBlocking: { code: string; receivedAt: number }[];
  heartbeatSeconds: number;
}

/** Typology "device threats": what V-Guard reported, silence, seq gaps, attestation level. */
export function deviceThreatRules(c: FraudConfig, d: DeviceFacts): FiredRule[] {
  const out: FiredRule[] = [];
  const active = d.view.activeThreats;
  const blocking = active.filter((t) => isBlockingReaction(t.reaction));
  if (blocking.length > 0)
    out.push(
      ...fire(c, 'DEVICE_COMPROMISED', {
        codes: blocking.map((t) => t.code).join(','),
        reactions: [...new Set(blocking.map((t) => t.reaction))].join(','),
      }),
    );
  const worst = active.reduce<(typeof active)[number] | undefined>(
    (w, t) => (w === undefined || SEVERITY_RANK[t.severity] > SEVERITY_RANK[w.severity] ? t : w),
    undefined,
  );
  if (worst) {
    const rule = `DEVICE_THREAT_${worst.severity.toUpperCase()}` as RuleId;
    out.push(
      ...fire(c, rule, {
        codes: active
          .filter((t) => t.severity === worst.severity)
          .map((t) => t.code)
          .join(','),
        activeThreats: active.length,
      }),
    );
  }
  if (blocking.length === 0 && d.recentBlocking.length > 0)
    out.push(
      ...fire(c, 'DEVICE_RECENT_COMPROMISE', {
        codes: [...new Set(d.recentBlocking.map((t) => t.code))].join(','),
        lastAt: Math.max(...d.recentBlocking.map((t) => t.receivedAt)),
      }),
    );
  if (d.view.silent)
    out.push(
      ...fire(c, 'DEVICE_SILENT', {
        lastSeenAt: d.view.lastSeenAt,
        silentAfterSeconds: SILENCE_FACTOR * d.heartbeatSeconds,
      }),
    );
  if (d.view.seqGaps >= c.reportGaps)
    out.push(...fire(c, 'THREAT_REPORT_GAPS', { missingReports: d.view.seqGaps, tolerance: c.reportGaps }));
  // A level the server does not know counts as below any minimum.
  if (!(isProtectionLevel(d.protectionLevel) && levelAtLeast(d.protectionLevel, c.minProtectionLevel)))
    out.push(
      ...fire(c, 'PROTECTION_LEVEL_LOW', {
        protectionLevel: d.protectionLevel,
        required: c.minProtectionLevel,
      }),
    );
  return out;
}

/**
 * The silence decline (FraudConfig `silence`): evidence when the device had been reporting and
 * has been quiet past the configured window (by default the policy's, i.e. the view's `silent`),
 * else undefined. Authorizations only: the engine declines them `DEVICE_SILENT`.
 */
export function silentPastWindow(c: FraudConfig, d: DeviceFacts, now: number): Evidence | undefined {
  const after = c.silence.declineAfterSeconds;
  const last = d.view.lastSeenAt;
  if (after === false || last === null) return undefined;
  const windowSeconds = after === 'policy' ? SILENCE_FACTOR * d.heartbeatSeconds : after;
  const silent = after === 'policy' ? d.view.silent : now - last > after * 1000;
  return silent
    ? { lastSeenAt: last, silentForSeconds: Math.floor((now - last) / 1000), windowSeconds }
    : undefined;
}

const within = (h: AuthorizationSummary[], now: number, seconds: number) =>
  h.filter((a) => a.createdAt > now - seconds * 1000);

/** Typology "ATC anomalies": gaps beyond the tolerance, jumps, an ATC behind, replay attempts. */
export function atcRules(
  c: FraudConfig,
  atc: number,
  highestAtc: number | undefined,
  history: AuthorizationSummary[],
  now: number,
): FiredRule[] {
  const out: FiredRule[] = [];
  if (highestAtc !== undefined) {
    if (atc > highestAtc) {
      const gap = atc - highestAtc - 1;
      if (gap > c.atc.jump) out.push(...fire(c, 'ATC_JUMP', { atc, highestAtc, gap, jump: c.atc.jump }));
      else if (gap > c.atc.gapTolerance)
        out.push(...fire(c, 'ATC_GAP', { atc, highestAtc, gap, tolerance: c.atc.gapTolerance }));
    } else if (atc < highestAtc) out.push(...fire(c, 'ATC_BEHIND', { atc, highestAtc }));
  }
  const replays = within(history, now, c.atc.replayWindowSeconds).filter((a) => a.reason === 'ATC_REPLAY');
  if (replays.length > 0)
    out.push(
      ...fire(c, 'ATC_REPLAY_ATTEMPTS', {
        replays: replays.length,
        windowSeconds: c.atc.replayWindowSeconds,
      }),
    );
  return out;
}

/** Typology "cryptogram failures": recent CRYPTOGRAM_INVALID / WRONG_MOBILE_PIN declines. */
export function cryptogramRules(c: FraudConfig, history: AuthorizationSummary[], now: number): FiredRule[] {
  const out: FiredRule[] = [];
  const recent = within(history, now, c.cryptogram.windowSeconds);
  const bad = recent.filter((a) => a.reason === 'CRYPTOGRAM_INVALID').length;
  if (bad >= c.cryptogram.burst)
    out.push(
      ...fire(c, 'CRYPTOGRAM_FAILURES_BURST', {
        failures: bad,
        burst: c.cryptogram.burst,
        windowSeconds: c.cryptogram.windowSeconds,
      }),
    );
  else if (bad >= c.cryptogram.failures)
    out.push(
      ...fire(c, 'CRYPTOGRAM_FAILURES', {
        failures: bad,
        threshold: c.cryptogram.failures,
        windowSeconds: c.cryptogram.windowSeconds,
      }),
    );
  const pin = recent.filter((a) => a.reason === 'WRONG_MOBILE_PIN').length;
  if (pin >= c.cryptogram.wrongPin)
    out.push(...fire(c, 'WRONG_MOBILE_PIN', { failures: pin, threshold: c.cryptogram.wrongPin }));
  return out;
}

/** Typology "velocity": taps per card per minute and per hour (every outcome counts). */
export function velocityRules(c: FraudConfig, history: AuthorizationSummary[], now: number): FiredRule[] {
  const out: FiredRule[] = [];
  const minute = within(history, now, 60).length;
  const hour = within(history, now, 3600).length;
  if (minute >= c.velocity.perMinute)
    out.push(...fire(c, 'VELOCITY_MINUTE', { previousTaps: minute, limit: c.velocity.perMinute }));
  if (hour >= c.velocity.perHour)
    out.push(...fire(c, 'VELOCITY_HOUR', { previousTaps: hour, limit: c.velocity.perHour }));
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Typology "amount": above the limit, or unusual against the card's approved history. */
export function amountRules(c: FraudConfig, amount: number, history: AuthorizationSummary[]): FiredRule[] {
  const out: FiredRule[] = [];
  if (amount > c.amount.limit) out.push(...fire(c, 'AMOUNT_ABOVE_LIMIT', { amount, limit: c.amount.limit }));
  const approved = history.filter((a) => a.decision === 'APPROVE').map((a) => a.amount);
  if (approved.length >= c.amount.minHistory) {
    const med = median(approved);
    if (amount > c.amount.unusualFactor * Math.max(med, 1))
      out.push(
        ...fire(c, 'AMOUNT_UNUSUAL', {
          amount,
          median: med,
          factor: c.amount.unusualFactor,
          history: approved.length,
        }),
      );
  }
  return out;
}

/** Attempts counted in the window (each rule fires only on the counts it is given). */
export interface AttemptFacts {
  provisionsByDevice?: number;
  provisionsByCard?: number;
  enrollmentsByDevice?: number;
  replenishmentsByCard?: number;
}

/** Typology "provisioning attempts": provisions / enrollments / replenishments in a window. */
export function provisioningRules(c: FraudConfig, f: AttemptFacts): FiredRule[] {
  const p = c.provisioning;
  const out: FiredRule[] = [];
  const d = f.provisionsByDevice;
  if (d !== undefined) {
    if (d >= p.perDeviceBurst)
      out.push(
        ...fire(c, 'PROVISION_BURST_DEVICE', {
          previousAttempts: d,
          burst: p.perDeviceBurst,
          windowSeconds: p.windowSeconds,
        }),
      );
    else if (d >= p.perDevice)
      out.push(
        ...fire(c, 'PROVISION_VELOCITY_DEVICE', {
          previousAttempts: d,
          limit: p.perDevice,
          windowSeconds: p.windowSeconds,
        }),
      );
  }
  if (f.provisionsByCard !== undefined && f.provisionsByCard >= p.perCard)
    out.push(
      ...fire(c, 'PROVISION_VELOCITY_CARD', {
        previousAttempts: f.provisionsByCard,
        limit: p.perCard,
        windowSeconds: p.windowSeconds,
      }),
    );
  if (f.enrollmentsByDevice !== undefined && f.enrollmentsByDevice >= p.enrollPerDevice)
    out.push(
      ...fire(c, 'ENROLL_VELOCITY_DEVICE', {
        previousEnrollments: f.enrollmentsByDevice,
        limit: p.enrollPerDevice,
        windowSeconds: p.windowSeconds,
      }),
    );
  if (f.replenishmentsByCard !== undefined && f.replenishmentsByCard >= p.replenishPerCardHour)
    out.push(
      ...fire(c, 'REPLENISH_VELOCITY_CARD', {
        previousReplenishments: f.replenishmentsByCard,
        limit: p.replenishPerCardHour,
      }),
    );
  return out;
}
