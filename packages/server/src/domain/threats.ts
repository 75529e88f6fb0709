/**
 * Threat intelligence as the server records it (docs/cbp-protocol.md §6; docs/fraud-engine.md
 * "Threat intelligence", "Device risk state", "Reaction policy"; migration 2): a device's risk
 * state, the reports and heartbeats accepted, their threats, the plan that stores one report
 * atomically, and the stored versions of the reaction policy. Times are epoch milliseconds.
 */
import type { ActiveThreat, DeviceReportKind, Reaction, Severity } from '@openvse/protocol';

/** A device's threat-intelligence state (table `device_risk`). */
export interface DeviceRiskRow {
  deviceId: string;
  /** Highest accepted report / heartbeat seq (the replay guard). */
  lastReportSeq: number;
  lastReportAt: number | null;
  lastHeartbeatAt: number | null;
  lastSeenAt: number | null;
  /** The threats of the last accepted scan. */
  activeThreats: ActiveThreat[];
  /** Sum of the seq gaps seen (reports that never arrived). */
  seqGaps: number;
  reports: number;
  updatedAt: number;
}

/** One accepted threat report or heartbeat (table `threat_reports`). */
export interface ThreatReportRow {
  deviceId: string;
  seq: number;
  typ: DeviceReportKind;
  scanId: string | null;
  scanReason: string | null;
  clean: boolean | null;
  threatCount: number;
  gapBefore: number;
  iat: number;
  stateCounter: string | null;
  receivedAt: number;
}

/** One threat of an accepted report, with the reaction the policy gave it (table `threats`). */
export interface ThreatRow {
  /** Assigned by the database. */
  id?: number;
  deviceId: string;
  seq: number;
  class: string;
  code: string;
  severity: Severity;
  reaction: Reaction;
  /** JSON of the evidence object (bounded). */
  evidence: string;
  detectedAt: string;
  receivedAt: number;
}

/** One accepted report: the row, its threats and the device state it leaves. */
export interface ThreatReportPlan {
  report: ThreatReportRow;
  threats: ThreatRow[];
  /** Replaces the active threats (a full scan); undefined for a heartbeat. */
  activeThreats?: ActiveThreat[];
}

/** One stored version of the reaction policy (table `reaction_policies`). */
export interface PolicyRow {
  version: number;
  /** JSON of the reaction policy. */
  policy: string;
  createdAt: number;
}
