/**
 * Publishing the server's events (docs/scaling.md "Threat intelligence as a stream", "Events"):
 * one function per event, each fire-and-forget through the instance's event bus
 * (`Services.events`: in-process, or NATS) — they return nothing, never throw and never wait, so
 * a decision never fails or slows down because its event could not go out.
 */
import type { DeviceRiskState } from '@openvse/protocol';
import type { AuthorizationSummary } from '../domain/authorizations.js';
import type { RiskDecisionRow } from '../domain/risk-decisions.js';
import type { ThreatReportPlan } from '../domain/threats.js';
import type { Services } from '../services.js';
import { type EnrollmentEvent, riskDecisionEvent, type ServerEvent } from './events.js';

/** Hands `event` to the instance's bus; never throws. */
export function publishEvent(s: Pick<Services, 'events'>, event: ServerEvent): void {
  try {
    s.events.publish(event);
  } catch {
    // the bus never throws; a decision must not fail because of an event whatever happens
  }
}

/**
 * An authorization decision was written (called by authorization/authorize.ts once the decision
 * is stored; an AuthorizationRow fits, only its summary fields travel: no cryptogram, no answer).
 */
export function publishAuthorizationDecision(s: Pick<Services, 'events'>, a: AuthorizationSummary): void {
  publishEvent(s, {
    type: 'authorization',
    id: a.id,
    cardId: a.cardId,
    atc: a.atc,
    amount: a.amount,
    currency: a.currency,
    decision: a.decision,
    reason: a.reason,
    at: a.createdAt,
  });
}

/**
 * A fraud decision was stored outside the fraud engine's own writes (the engine publishes the ones
 * it stores itself): e.g. the `record` of an authorization's assessment, written in the
 * authorization's transaction — call this once that transaction committed.
 */
export function publishRiskDecision(s: Pick<Services, 'events'>, d: RiskDecisionRow): void {
  publishEvent(s, riskDecisionEvent(d));
}

/** A threat report or heartbeat was stored. */
export function publishThreatReportStored(
  s: Pick<Services, 'events'>,
  plan: ThreatReportPlan,
  at: number,
): void {
  const r = plan.report;
  publishEvent(s, {
    type: 'threat-report',
    deviceId: r.deviceId,
    seq: r.seq,
    typ: r.typ,
    gap: r.gapBefore,
    threatCount: r.threatCount,
    codes: plan.threats.map((t) => t.code),
    receivedAt: r.receivedAt,
    at,
  });
}

/** The server's verdict on a device flipped (blocked ↔ not blocked). */
export function publishVerdict(
  s: Pick<Services, 'events'>,
  deviceId: string,
  state: DeviceRiskState,
  seq: number,
  at: number,
): void {
  publishEvent(s, { type: 'verdict', deviceId, state, blockPayments: state === 'compromised', seq, at });
}

/** An enrollment accepted or refused for its TA code hash or level (devices/enrollment.ts). */
export function publishEnrollment(s: Pick<Services, 'events'>, e: Omit<EnrollmentEvent, 'type'>): void {
  publishEvent(s, { type: 'enrollment', ...e });
}
