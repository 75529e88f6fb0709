/**
 * A device's risk state as the server sees it (docs/fraud-engine.md "Device risk state"):
 * `compromised` when the last scan holds a threat whose policy reaction blocks payments (or
 * worse), `suspicious` when it holds only `report` threats or the device went silent (no report
 * nor heartbeat for 3 × heartbeatSeconds, read from the injectable clock), `clean` otherwise.
 * A device that never reported is `clean` and never silent: silence is only a signal for a
 * device that had been talking. Pure: the caller reads the row and the policy.
 * {@link applyThreatReport} is the row a stored report leaves, as the store computes it: with a
 * report stream the receiving instance answers the device from it before the consumer has
 * written it (docs/scaling.md "Threat intelligence as a stream").
 */
import {
  type DeviceRiskState,
  isBlockingReaction,
  type ReactionPolicy,
  type RiskView,
} from '@openvse/protocol';
import type { DeviceRiskRow, ThreatReportPlan } from '../domain/threats.js';

/** A device is silent after this many heartbeat periods without a report or heartbeat. */
export const SILENCE_FACTOR = 3;

/** True when a device that had been reporting has been quiet for {@link SILENCE_FACTOR} periods. */
export function isSilent(risk: DeviceRiskRow | undefined, policy: ReactionPolicy, now: number): boolean {
  if (!risk || risk.lastSeenAt === null) return false;
  return now - risk.lastSeenAt > SILENCE_FACTOR * policy.heartbeatSeconds * 1000;
}

/** The `GET /v1/devices/:deviceId/risk` view of a device's risk row under the policy at `now`. */
export function riskView(
  deviceId: string,
  risk: DeviceRiskRow | undefined,
  policy: ReactionPolicy,
  now: number,
): RiskView {
  const active = risk?.activeThreats ?? [];
  const silent = isSilent(risk, policy, now);
  const state: DeviceRiskState = active.some((t) => isBlockingReaction(t.reaction))
    ? 'compromised'
    : active.length > 0 || silent
      ? 'suspicious'
      : 'clean';
  return {
    deviceId,
    state,
    silent,
    activeThreats: active,
    lastReportSeq: risk?.lastReportSeq ?? 0,
    lastReportAt: risk?.lastReportAt ?? null,
    lastHeartbeatAt: risk?.lastHeartbeatAt ?? null,
    lastSeenAt: risk?.lastSeenAt ?? null,
    seqGaps: risk?.seqGaps ?? 0,
    reports: risk?.reports ?? 0,
  };
}

/**
 * The risk row `plan` leaves when stored on top of `before` (what store.recordThreatReport
 * writes: last seq, the seq gap added, one more report, last seen, and for a scan the last report
 * time and the active threats, for a heartbeat the last heartbeat time). Pure.
 */
export function applyThreatReport(before: DeviceRiskRow | undefined, plan: ThreatReportPlan): DeviceRiskRow {
  const r = plan.report;
  const last = before?.lastReportSeq ?? 0;
  const scan = r.typ === 'threat-report';
  return {
    deviceId: r.deviceId,
    lastReportSeq: r.seq,
    lastReportAt: scan ? r.receivedAt : (before?.lastReportAt ?? null),
    lastHeartbeatAt: scan ? (before?.lastHeartbeatAt ?? null) : r.receivedAt,
    lastSeenAt: r.receivedAt,
    activeThreats: scan ? (plan.activeThreats ?? []) : (before?.activeThreats ?? []),
    seqGaps: (before?.seqGaps ?? 0) + (r.seq - last - 1),
    reports: (before?.reports ?? 0) + 1,
    updatedAt: r.receivedAt,
  };
}
