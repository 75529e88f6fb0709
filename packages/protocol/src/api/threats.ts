/**
 * Bodies of the threat-intelligence routes (docs/cbp-protocol.md §6, docs/fraud-engine.md
 * "Device risk state"): a device's risk view, the answer to a threat report or heartbeat.
 */
import type { Reaction } from '../policy/vocabulary.js';
import type { DeviceReportKind, Severity } from '../threats/threat.js';

/** A threat of the device's last scan, with the reaction the policy gives it. */
export interface ActiveThreat {
  class: string;
  code: string;
  severity: Severity;
  reaction: Reaction;
  detectedAt: string;
}

/** The server's verdict on a device. */
export type DeviceRiskState = 'clean' | 'suspicious' | 'compromised';

/** `GET /v1/devices/:deviceId/risk` */
export interface RiskView {
  deviceId: string;
  state: DeviceRiskState;
  silent: boolean;
  activeThreats: ActiveThreat[];
  lastReportSeq: number;
  lastReportAt: number | null;
  lastHeartbeatAt: number | null;
  lastSeenAt: number | null;
  seqGaps: number;
  reports: number;
}

/** `POST /v1/devices/:deviceId/threats` and `/heartbeat` body. */
export interface DeviceReportRequest {
  /** Compact JWS signed by the V-OS platform key. */
  report: string;
}

/** The answer to a threat report or heartbeat. */
export interface ThreatReportResult {
  deviceId: string;
  seq: number;
  typ: DeviceReportKind;
  /** Reports missing between the previous accepted seq and this one. */
  gap: number;
  risk: RiskView;
  /** The outbox seq of the policy message queued because the verdict changed, if any. */
  policyMessageSeq: number | null;
}
