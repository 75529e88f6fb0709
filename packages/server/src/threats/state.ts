/**
 * A device's risk state as the server sees it (docs/fraud-engine.md "Device risk state"):
 * `compromised` when the last scan holds a threat whose policy reaction blocks payments (or
 * worse), `suspicious` when it holds only `report` threats or the device went silent (no report
 * nor heartbeat for 3 × heartbeatSeconds, read from the injectable clock), `clean` otherwise.
 * A device that never reported is `clean` and never silent: silence is only a signal for a
 * device that had been talking.
 */
import type { DeviceRiskRow } from '../storage/store.js';
import { isBlocking, type ReactionPolicy } from './policy.js';

export type DeviceRiskState = 'clean' | 'suspicious' | 'compromised';

export const SILENCE_FACTOR = 3;

export interface DeviceRiskView {
  deviceId: string;
  state: DeviceRiskState;
  silent: boolean;
  activeThreats: DeviceRiskRow['activeThreats'];
  lastReportSeq: number;
  lastReportAt: number | null;
  lastHeartbeatAt: number | null;
  lastSeenAt: number | null;
  seqGaps: number;
  reports: number;
}

export function isSilent(risk: DeviceRiskRow | undefined, policy: ReactionPolicy, now: number): boolean {
  if (!risk || risk.lastSeenAt === null) return false;
  return now - risk.lastSeenAt > SILENCE_FACTOR * policy.heartbeatSeconds * 1000;
}

export function riskView(
  deviceId: string,
  risk: DeviceRiskRow | undefined,
  policy: ReactionPolicy,
  now: number,
): DeviceRiskView {
  const active = risk?.activeThreats ?? [];
  const silent = isSilent(risk, policy, now);
  const state: DeviceRiskState = active.some((t) => isBlocking(t.reaction))
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
