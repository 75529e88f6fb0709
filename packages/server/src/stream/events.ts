/**
 * The events a server publishes (docs/scaling.md "Threat intelligence as a stream", "Events";
 * docs/fraud-engine.md "Dashboard"): a threat report stored, a device's verdict flipped, a fraud
 * engine decision, an authorization decision, an enrollment accepted or refused. Summaries only: no PAN, no cryptogram, no key, no
 * threat evidence (the dashboard reads that from its JSON routes). Every event travels as JSON
 * on the subject `<subjectPrefix>.events.<type>` with NATS, through the in-process bus without.
 */
import type { Decision, DeviceReportKind, DeviceRiskState } from '@openvse/protocol';
import type { RiskContextType, RiskDecisionRow, RiskOutcome } from '../domain/risk-decisions.js';

/** A threat report or heartbeat was stored (by the request, or by the stream's consumer). */
export interface ThreatReportEvent {
  type: 'threat-report';
  deviceId: string;
  seq: number;
  typ: DeviceReportKind;
  /** The seq gap before this report (reports that never arrived). */
  gap: number;
  threatCount: number;
  /** The codes of the report's threats. */
  codes: string[];
  receivedAt: number;
  /** When the event was made, epoch ms. */
  at: number;
}

/** The server's verdict on a device flipped between blocked (compromised) and not blocked. */
export interface VerdictEvent {
  type: 'verdict';
  deviceId: string;
  state: DeviceRiskState;
  blockPayments: boolean;
  /** The report seq that flipped it. */
  seq: number;
  at: number;
}

/** A fraud engine decision (fraud/engine.ts), as stored in `risk_decisions`, without evidence. */
export interface RiskDecisionEvent {
  type: 'risk-decision';
  id: string;
  context: RiskContextType;
  deviceId: string | null;
  cardId: string | null;
  authorizationId: string | null;
  score: number;
  outcome: RiskOutcome;
  reason: string;
  /** The rules that fired. */
  rules: string[];
  at: number;
}

/** An authorization decision, as the dashboard lists it (no cryptogram, no PAN). */
export interface AuthorizationEvent {
  type: 'authorization';
  id: string;
  cardId: string | null;
  atc: number | null;
  amount: number;
  currency: string;
  decision: Decision;
  reason: string;
  at: number;
}

/**
 * An enrollment, accepted or refused for its attested TA code or protection level: what a
 * developer whose wallet is refused needs to see (the hash to allow-list, the level attested).
 */
export interface EnrollmentEvent {
  type: 'enrollment';
  deviceId: string;
  outcome: 'enrolled' | 'refused';
  /** The refusal's error code (ERR_ATTESTATION_CODE_HASH, ERR_ATTESTATION_LEVEL). */
  code?: string;
  /** The SHA-256 of the TA code the device attested. */
  taCodeSha256: string;
  /** The protection level the device attested, and the server's minimum. */
  protectionLevel: string;
  minimumLevel: string;
  at: number;
}

/** Any server event. */
export type ServerEvent =
  | ThreatReportEvent
  | VerdictEvent
  | RiskDecisionEvent
  | AuthorizationEvent
  | EnrollmentEvent;

/** The `type` of a {@link ServerEvent}. */
export type ServerEventType = ServerEvent['type'];

/** Every event type (the SSE route and the dashboard listen to all of them). */
export const SERVER_EVENT_TYPES: readonly ServerEventType[] = Object.freeze([
  'threat-report',
  'verdict',
  'risk-decision',
  'authorization',
  'enrollment',
]);

/** True for a JSON value shaped like a {@link ServerEvent} (what arrives from NATS). */
export function isServerEvent(v: unknown): v is ServerEvent {
  return (
    typeof v === 'object' &&
    v !== null &&
    SERVER_EVENT_TYPES.includes((v as { type?: unknown }).type as ServerEventType) &&
    typeof (v as { at?: unknown }).at === 'number'
  );
}

/** The event of a stored fraud decision (the rules by id, without their evidence). */
export function riskDecisionEvent(d: RiskDecisionRow): RiskDecisionEvent {
  return {
    type: 'risk-decision',
    id: d.id,
    context: d.context,
    deviceId: d.deviceId,
    cardId: d.cardId,
    authorizationId: d.authorizationId,
    score: d.score,
    outcome: d.outcome,
    reason: d.reason,
    rules: d.rules.map((r) => r.rule),
    at: d.createdAt,
  };
}
