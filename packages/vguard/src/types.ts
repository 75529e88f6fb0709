/**
 * V-Guard's data model: a Threat (class, stable code, severity, evidence) and the ScanReport a
 * scan produces. docs/design.md "V-Guard and the fraud engine"; the classes follow
 * docs/runtime-protection.md §5 (platform / runtime tampering / app tampering / posture), tagged
 * with MASVS-RESILIENCE controls.
 *
 * Both types are plain JSON with a fixed field order so that V-OS can sign a report as it is
 * (canonical JSON sorts keys anyway; the fixed order keeps logs readable). Evidence never holds a
 * secret: no environment values other than the offending flag names, no file contents.
 */
export type ThreatClass = 'debug' | 'hook' | 'tamper' | 'environment' | 'exposure' | 'clock';
export type Severity = 'low' | 'medium' | 'high' | 'critical';
export type Evidence = Record<string, string | number | boolean>;

export type Threat = {
  class: ThreatClass;
  /** Stable code: one of THREAT_CODES (codes.ts) for V-Guard's own detectors. */
  code: string;
  severity: Severity;
  evidence: Evidence;
  /** ISO 8601 time of the scan that found it. */
  detectedAt: string;
};

export type ScanReason = 'start' | 'periodic' | 'payment';

export type ScanReport = {
  /** `vg-<guard instance id>-<scan number>`: unique per process, increasing. */
  scanId: string;
  reason: ScanReason;
  startedAt: string;
  durationMs: number;
  /** Sorted by code, then by evidence (JSON), so two scans of the same state compare equal. */
  threats: Threat[];
  /** True when no threat outside the 'environment' class was found (see docs/vguard.md). */
  clean: boolean;
};

export const SEVERITY_RANK: Readonly<Record<Severity, number>> = Object.freeze({
  low: 1,
  medium: 2,
  high: 3,
  critical: 4,
});
