/**
 * A threat as V-Guard reports it and as it travels inside a V-OS-signed device report to the
 * fraud engine (docs/cbp-protocol.md §6, docs/vguard.md): class, stable code, severity, evidence
 * and the time of the scan. Plain JSON with a fixed field order. Evidence never holds a secret.
 */

/** The four severities, lowest first. */
export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
/** One of {@link SEVERITIES}. */
export type Severity = (typeof SEVERITIES)[number];

/** Rank of each severity (1 = low … 4 = critical), for "at least" comparisons. */
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = Object.freeze({
  low: 1,
  medium: 2,
  high: 3,
  critical: 4,
});

/** True for one of the four severities. */
export function isSeverity(v: unknown): v is Severity {
  return SEVERITIES.includes(v as Severity);
}

/** The threat classes (OWASP MASVS-RESILIENCE areas: debugging, hooking, tampering, posture). */
export const THREAT_CLASSES = ['debug', 'hook', 'tamper', 'environment', 'exposure', 'clock'] as const;
/** One of {@link THREAT_CLASSES}. */
export type ThreatClass = (typeof THREAT_CLASSES)[number];

/** Evidence: flat, bounded, never secret. */
export type Evidence = Record<string, string | number | boolean>;

/** One threat a scan found. */
export type Threat = {
  class: ThreatClass;
  /** Stable code: one of THREAT_CODES for V-Guard's own detectors. */
  code: string;
  severity: Severity;
  evidence: Evidence;
  /** ISO 8601 time of the scan that found it. */
  detectedAt: string;
};

/** Why a scan ran. */
export type ScanReason = 'start' | 'periodic' | 'payment';

/** What one scan found (the `scan` of a threat report). */
export type ScanReport = {
  /** `vg-<guard instance id>-<scan number>`: unique per process, increasing. */
  scanId: string;
  reason: ScanReason;
  startedAt: string;
  durationMs: number;
  /** Sorted by code, then by evidence (JSON), so two scans of the same state compare equal. */
  threats: Threat[];
  /** True when no threat outside the 'environment' class was found (docs/vguard.md). */
  clean: boolean;
};

/** The kinds of V-OS-signed device report. */
export type DeviceReportKind = 'threat-report' | 'heartbeat';
