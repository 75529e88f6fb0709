/**
 * DIAGNOSTIC_REPORT_ENABLED: Node's diagnostic report is armed (`--report-on-signal`,
 * `--report-uncaught-exception`, `--report-on-fatalerror`, or the same switched on at run time
 * through `process.report`). A report holds the full environment, command line, native and JS
 * stacks and loaded libraries, written to disk on a signal or crash: a leak path, not a memory dump
 * (docs/runtime-protection.md §2.9 `process.report.reportOnSignal`; MASWE-0061). Severity low.
 * Cannot see: `process.report.writeReport()` called by code inside the process.
 */

import type { Threat } from '@openvse/protocol';
import type { DetectorContext } from '../context.js';
import type { Detector } from '../detector.js';
import { threat } from '../threat.js';

/** The diagnostic-report switches of this process (`process.report`). */
export type ReportSettings = {
  reportOnSignal: boolean;
  reportOnFatalError: boolean;
  reportOnUncaughtException: boolean;
};

/** This process's `process.report` switches, or undefined where they cannot be read. */
export function processReportSettings(): ReportSettings | undefined {
  try {
    const r = process.report;
    if (!r) return undefined;
    return {
      reportOnSignal: r.reportOnSignal,
      reportOnFatalError: r.reportOnFatalError,
      reportOnUncaughtException: r.reportOnUncaughtException,
    };
  } catch {
    return undefined;
  }
}

/** DIAGNOSTIC_REPORT_ENABLED (low): a diagnostic report armed on signal, exception or fatal error. */
export function diagnosticReportDetector(
  read: () => ReportSettings | undefined = processReportSettings,
): Detector {
  return {
    id: 'diagnostic-report',
    detect(ctx: DetectorContext): Threat[] {
      const s = read();
      if (!s) return [];
      const on = Object.entries(s)
        .filter(([, v]) => v)
        .map(([k]) => k);
      if (!on.length) return [];
      return [threat('DIAGNOSTIC_REPORT_ENABLED', { triggers: on.sort().join(',') }, ctx.now())];
    },
  };
}
