/**
 * Column ↔ field mapping of the threat-intelligence and fraud tables (migration 2;
 * docs/fraud-engine.md). PostgreSQL returns BIGINT as text, so numbers are normalised here.
 */
import type { ActiveThreat } from '@openvse/protocol';
import type { AuthorizationSummary } from '../domain/authorizations.js';
import type { FiredRule, RiskDecisionRow } from '../domain/risk-decisions.js';
import type { DeviceRiskRow, ThreatReportRow, ThreatRow } from '../domain/threats.js';

type Raw = Record<string, unknown>;

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** A JSON array column read back ([] when it is not one). */
export function jsonArray<T>(v: unknown): T[] {
  try {
    const p = JSON.parse(String(v)) as unknown;
    return Array.isArray(p) ? (p as T[]) : [];
  } catch {
    return [];
  }
}

/** A `device_risk` row. */
export const deviceRiskFromRaw = (r: Raw): DeviceRiskRow => ({
  deviceId: String(r.device_id),
  lastReportSeq: num(r.last_report_seq),
  lastReportAt: numOrNull(r.last_report_at),
  lastHeartbeatAt: numOrNull(r.last_heartbeat_at),
  lastSeenAt: numOrNull(r.last_seen_at),
  activeThreats: jsonArray<ActiveThreat>(r.active_threats),
  seqGaps: num(r.seq_gaps),
  reports: num(r.reports),
  updatedAt: num(r.updated_at),
});

/** The columns of `threat_reports`, in insert order. */
export const THREAT_REPORT_COLUMNS = [
  'device_id',
  'seq',
  'typ',
  'scan_id',
  'scan_reason',
  'clean',
  'threat_count',
  'gap_before',
  'iat',
  'state_counter',
  'received_at',
] as const;

/** The values of a report row, in the order of {@link THREAT_REPORT_COLUMNS}. */
export const threatReportValues = (r: ThreatReportRow): unknown[] => [
  r.deviceId,
  r.seq,
  r.typ,
  r.scanId,
  r.scanReason,
  r.clean === null ? null : r.clean ? 1 : 0,
  r.threatCount,
  r.gapBefore,
  r.iat,
  r.stateCounter,
  r.receivedAt,
];

/** The columns of `threats` an insert sets (the id is the database's). */
export const THREAT_INSERT_COLUMNS = [
  'device_id',
  'seq',
  'class',
  'code',
  'severity',
  'reaction',
  'evidence',
  'detected_at',
  'received_at',
] as const;

/** The values of a threat row, in the order of {@link THREAT_INSERT_COLUMNS}. */
export const threatValues = (t: ThreatRow): unknown[] => [
  t.deviceId,
  t.seq,
  t.class,
  t.code,
  t.severity,
  t.reaction,
  t.evidence,
  t.detectedAt,
  t.receivedAt,
];

/** A `threats` row. */
export const threatFromRaw = (r: Raw): ThreatRow => ({
  id: num(r.id),
  deviceId: String(r.device_id),
  seq: num(r.seq),
  class: String(r.class),
  code: String(r.code),
  severity: String(r.severity) as ThreatRow['severity'],
  reaction: String(r.reaction) as ThreatRow['reaction'],
  evidence: String(r.evidence),
  detectedAt: String(r.detected_at),
  receivedAt: num(r.received_at),
});

/** A `risk_decisions` row. */
export const riskDecisionFromRaw = (r: Raw): RiskDecisionRow => ({
  id: String(r.id),
  context: String(r.context) as RiskDecisionRow['context'],
  deviceId: strOrNull(r.device_id),
  cardId: strOrNull(r.card_id),
  authorizationId: strOrNull(r.authorization_id),
  score: num(r.score),
  outcome: String(r.outcome) as RiskDecisionRow['outcome'],
  reason: String(r.reason),
  rules: jsonArray<FiredRule>(r.rules),
  createdAt: num(r.created_at),
});

/** The columns of `risk_decisions`, in the order of {@link riskDecisionValues}. */
export const RISK_DECISION_COLUMNS = [
  'id',
  'context',
  'device_id',
  'card_id',
  'authorization_id',
  'score',
  'outcome',
  'reason',
  'rules',
  'created_at',
] as const;

/** A decision as the values of {@link RISK_DECISION_COLUMNS}. */
export const riskDecisionValues = (d: RiskDecisionRow): unknown[] => [
  d.id,
  d.context,
  d.deviceId,
  d.cardId,
  d.authorizationId,
  d.score,
  d.outcome,
  d.reason,
  JSON.stringify(d.rules),
  d.createdAt,
];

/** An authorization summary (the columns the fraud rules read). */
export const authSummaryFromRaw = (r: Raw): AuthorizationSummary => ({
  id: String(r.id),
  cardId: strOrNull(r.card_id),
  atc: numOrNull(r.atc),
  amount: num(r.amount),
  currency: String(r.currency),
  decision: String(r.decision) as AuthorizationSummary['decision'],
  reason: String(r.reason),
  createdAt: num(r.created_at),
});
