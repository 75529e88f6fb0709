/**
 * The stable threat codes, their class, default severity and OWASP MASVS / MASTG anchor
 * (docs/vguard.md lists the detector behind each). Codes are part of the wire format towards the
 * fraud engine and of the reaction policy: never rename one, only add.
 */
import type { Severity, ThreatClass } from './threat.js';

type CodeInfo = { class: ThreatClass; severity: Severity; masvs: string };

/** Every threat code V-Guard's detectors raise. */
export const THREAT_CODES = Object.freeze({
  INSPECTOR_OPEN: { class: 'debug', severity: 'critical', masvs: 'RESILIENCE-4 / MASTG-TEST-0046' },
  INSPECTOR_SIGNAL: { class: 'debug', severity: 'high', masvs: 'RESILIENCE-4 / MASTG-TEST-0046' },
  SIGNAL_GUARD_REMOVED: { class: 'hook', severity: 'high', masvs: 'RESILIENCE-4 / MASTG-TEST-0050' },
  DEBUGGER_ATTACHED: { class: 'debug', severity: 'critical', masvs: 'RESILIENCE-4 / MASTG-TEST-0046' },
  PRELOAD_REQUIRE: { class: 'hook', severity: 'high', masvs: 'RESILIENCE-4 / MASTG-TEST-0048' },
  PRELOAD_IMPORT: { class: 'hook', severity: 'high', masvs: 'RESILIENCE-4 / MASTG-TEST-0048' },
  LOADER_HOOK: { class: 'hook', severity: 'high', masvs: 'RESILIENCE-4 / MASTG-TEST-0048' },
  NODE_OPTIONS_INJECTION: { class: 'hook', severity: 'high', masvs: 'RESILIENCE-4 / MASTG-TEST-0048' },
  INTERNALS_EXPOSED: { class: 'hook', severity: 'high', masvs: 'RESILIENCE-4 / MASTG-TEST-0050' },
  LD_PRELOAD: { class: 'hook', severity: 'critical', masvs: 'RESILIENCE-4 / MASTG-TEST-0048' },
  UNEXPECTED_SHARED_OBJECT: { class: 'hook', severity: 'high', masvs: 'RESILIENCE-4 / MASTG-TEST-0050' },
  BUILTIN_REPLACED: { class: 'hook', severity: 'high', masvs: 'RESILIENCE-2 / MASTG-TEST-0050' },
  APP_FILE_MODIFIED: { class: 'tamper', severity: 'critical', masvs: 'RESILIENCE-2 / MASTG-TEST-0047' },
  APP_FILE_MISSING: { class: 'tamper', severity: 'high', masvs: 'RESILIENCE-2 / MASTG-TEST-0047' },
  APP_FILE_UNEXPECTED: { class: 'tamper', severity: 'high', masvs: 'RESILIENCE-2 / MASTG-TEST-0047' },
  APP_MANIFEST_INVALID: { class: 'tamper', severity: 'critical', masvs: 'RESILIENCE-2 / MASTG-TEST-0047' },
  RUNNING_AS_ROOT: { class: 'environment', severity: 'low', masvs: 'RESILIENCE-1 / MASTG-TEST-0045' },
  CONTAINER: { class: 'environment', severity: 'low', masvs: 'RESILIENCE-1 / MASTG-TEST-0049' },
  VIRTUAL_MACHINE: { class: 'environment', severity: 'low', masvs: 'RESILIENCE-1 / MASTG-TEST-0049' },
  HEAP_SNAPSHOT_EXPOSED: { class: 'exposure', severity: 'high', masvs: 'RESILIENCE-4 / MASWE-0061' },
  DIAGNOSTIC_REPORT_ENABLED: { class: 'exposure', severity: 'low', masvs: 'RESILIENCE-4 / MASWE-0061' },
  CORE_DUMP_ENABLED: { class: 'exposure', severity: 'medium', masvs: 'RESILIENCE-4 / MASWE-0061' },
  DETECTOR_FAILED: { class: 'hook', severity: 'medium', masvs: 'RESILIENCE-4 / MASTG-TEST-0050' },
  CLOCK_TAMPERED: { class: 'clock', severity: 'high', masvs: 'RESILIENCE-1' },
} satisfies Record<string, CodeInfo>);

/** One of the {@link THREAT_CODES}. */
export type ThreatCode = keyof typeof THREAT_CODES;
