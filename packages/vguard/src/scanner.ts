/**
 * The V-Guard scanner: runs the detectors, builds a signable ScanReport, tracks which threat codes
 * appeared or cleared since the previous scan, and polls periodically (docs/design.md "V-Guard and
 * the fraud engine"; docs/runtime-protection.md §5; MASWE-0064 "Check Continuously … around
 * sensitive operations": the SDK calls `scan('payment')` before every cryptogram).
 *
 * Import order matters: importing this module captures the primordials (primordials.ts), so the
 * app must import V-Guard before anything else, as it starts the V-OS host. `createGuard` then
 * installs the SIGUSR1 listener (blocks signal-activated inspector) and the module.register trap.
 *
 * Reports hold the full current state (every threat found by this scan), so each one can be signed
 * and judged on its own. De-duplication is in the notifications: `onThreat` is called once when a
 * code appears and once when it clears, not at every scan. A detector that throws does not stop
 * the scan; it is reported as DETECTOR_FAILED (an attacker who breaks a check should not blind it).
 * `clean` means: no threat outside the 'environment' class (root/container/VM are posture signals
 * the server's policy weighs; see docs/vguard.md).
 */
import { randomBytes } from 'node:crypto';
import {
  type ScanReason,
  type ScanReport,
  SEVERITY_RANK,
  type Severity,
  type Threat,
} from '@openvse/protocol';
import { type DetectorContext, processContext } from './context.js';
import type { Detector } from './detector.js';
import { appFilesDetector } from './detectors/app-files.js';
import { builtinsDetector } from './detectors/builtins.js';
import { type Clock, type ClockDetector, clockDetector, systemClock } from './detectors/clock.js';
import { containerDetector } from './detectors/container.js';
import { coreDumpDetector } from './detectors/core-dump.js';
import { diagnosticReportDetector } from './detectors/diagnostic-report.js';
import { heapExposureDetector } from './detectors/heap-exposure.js';
import { inspectorDetector } from './detectors/inspector.js';
import { internalsDetector } from './detectors/internals.js';
import { installRegisterTrap } from './detectors/module-register.js';
import { nativeLibrariesDetector } from './detectors/native-libraries.js';
import { nodeOptionsDetector } from './detectors/node-options.js';
import { preloadDetector } from './detectors/preload.js';
import { rootDetector } from './detectors/root.js';
import { installSignalGuard, signalGuardDetector } from './detectors/signal-guard.js';
import { tracerDetector } from './detectors/tracer.js';
import { virtualMachineDetector } from './detectors/virtual-machine.js';
import type { SignedAppManifest } from './manifest/app-manifest.js';
import './primordials.js';
import { threat } from './threat.js';

/** A threat code that appeared in, or cleared from, the latest scan (what `onThreat` is told). */
export type ThreatChange = {
  kind: 'appeared' | 'cleared';
  code: string;
  /** The threats with this code in the scan that saw it appear (empty when cleared). */
  threats: Threat[];
  scanId: string;
  at: string;
  /** When this code was first seen in its current run of scans. */
  firstSeenAt: string;
};

/** Options of {@link createGuard}: the manifest check, allowed libraries, detectors, timers, callbacks. */
export type GuardOptions = {
  /** Signed app-file manifest (object or JSON text); needs `appDir` and `pinnedKey`. */
  manifest?: SignedAppManifest | string;
  appDir?: string;
  /** Ed25519 SPKI PEM public key the manifest must verify under. */
  pinnedKey?: string;
  /** Extra shared objects allowed in the process: exact paths or directories ending with "/". */
  allowLibraries?: readonly string[];
  /** Replaces the default detector set (see defaultDetectors); the guard's clock check is always kept. */
  detectors?: readonly Detector[];
  /** Period of `start()`'s scans, default 60 s. */
  intervalMs?: number;
  onThreat?: (change: ThreatChange) => void;
  clock?: Clock;
  /** Tolerance of the clock checks, default 30 s. */
  clockToleranceMs?: number;
  /** Install the SIGUSR1 listener (default true; false only to test what it prevents). */
  signalGuard?: boolean;
  /** Overrides for the detector context (tests). */
  context?: Partial<DetectorContext>;
};

/** The last scan in brief: clean or not, the highest severity found, the codes found (sorted). */
export type Verdict = { clean: boolean; highest: Severity | null; codes: string[] };

/** A running V-Guard: scans on demand and periodically, remembers the last report. */
export type Guard = {
  scan(reason: ScanReason): Promise<ScanReport>;
  start(): void;
  stop(): void;
  readonly lastReport: ScanReport | undefined;
  verdict(): Verdict;
  /** Feeds a verified server time to the clock check (returns the immediate result). */
  noteServerTime(serverTimeMs: number, toleranceMs?: number): Threat[];
};

/** The standard detectors, in scan order (cheap first). */
export function defaultDetectors(opts: GuardOptions = {}, clock?: ClockDetector): Detector[] {
  const list: Detector[] = [
    inspectorDetector,
    signalGuardDetector,
    tracerDetector,
    preloadDetector,
    nodeOptionsDetector,
    internalsDetector,
    nativeLibrariesDetector(opts.allowLibraries),
    heapExposureDetector,
    diagnosticReportDetector(),
    coreDumpDetector,
    rootDetector,
    containerDetector,
    virtualMachineDetector,
    builtinsDetector(),
  ];
  if (clock) list.push(clock);
  if (opts.manifest !== undefined) {
    if (!opts.appDir || !opts.pinnedKey)
      throw new TypeError('createGuard: manifest needs appDir and pinnedKey');
    list.push(appFilesDetector(opts.appDir, opts.manifest, opts.pinnedKey));
  }
  return list;
}

function compareThreats(a: Threat, b: Threat): number {
  if (a.code !== b.code) return a.code < b.code ? -1 : 1;
  const ea = JSON.stringify(a.evidence);
  const eb = JSON.stringify(b.evidence);
  return ea < eb ? -1 : ea > eb ? 1 : 0;
}

/** Report fields in a fixed order, threat fields too (JSON.stringify keeps insertion order). */
function normalise(t: Threat): Threat {
  return {
    class: t.class,
    code: t.code,
    severity: t.severity,
    evidence: t.evidence,
    detectedAt: t.detectedAt,
  };
}

/**
 * True when the threat counts against the scan's `clean` verdict: every class but 'environment'
 * (root, container, VM are posture signals the server's policy weighs; docs/vguard.md). Not to be
 * confused with the reaction policy's blocking reactions (protocol's `isBlockingReaction`).
 */
export function affectsVerdict(t: Threat): boolean {
  return t.class !== 'environment';
}

/**
 * Creates the guard: installs the SIGUSR1 listener (unless `signalGuard: false`) and the
 * module.register trap, and prepares the detectors (the defaults, or `opts.detectors`, plus the
 * clock check). Scans run one at a time, in call order.
 */
export function createGuard(opts: GuardOptions = {}): Guard {
  const ctx = processContext(opts.context);
  if (opts.signalGuard !== false) installSignalGuard();
  installRegisterTrap();
  const clock = clockDetector(opts.clock ?? systemClock(ctx.readFile), opts.clockToleranceMs);
  const detectors = opts.detectors ? [...opts.detectors, clock] : defaultDetectors(opts, clock);
  const instance = randomBytes(4).toString('hex');
  let seq = 0;
  let last: ScanReport | undefined;
  let timer: NodeJS.Timeout | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  const firstSeen = new Map<string, string>();

  async function runScan(reason: ScanReason): Promise<ScanReport> {
    const started = ctx.now();
    const t0 = process.hrtime.bigint();
    const scanId = `vg-${instance}-${++seq}`;
    const threats: Threat[] = [];
    for (const d of detectors) {
      try {
        threats.push(...(await d.detect(ctx)));
      } catch (e) {
        const name = e instanceof Error ? e.name : typeof e;
        threats.push(threat('DETECTOR_FAILED', { detector: d.id, error: name }, ctx.now()));
      }
    }
    const sorted = threats.map(normalise).sort(compareThreats);
    const report: ScanReport = {
      scanId,
      reason,
      startedAt: started.toISOString(),
      durationMs: Math.round(Number(process.hrtime.bigint() - t0) / 1e4) / 100,
      threats: sorted,
      clean: !sorted.some(affectsVerdict),
    };
    notify(report);
    last = report;
    return report;
  }

  function notify(report: ScanReport): void {
    const before = new Set(last?.threats.map((t) => t.code) ?? []);
    const now = new Set(report.threats.map((t) => t.code));
    const at = ctx.now().toISOString();
    const changes: ThreatChange[] = [];
    for (const code of [...now].sort()) {
      if (before.has(code)) continue;
      firstSeen.set(code, at);
      const threats = report.threats.filter((t) => t.code === code);
      changes.push({ kind: 'appeared', code, threats, scanId: report.scanId, at, firstSeenAt: at });
    }
    for (const code of [...before].sort()) {
      if (now.has(code)) continue;
      const first = firstSeen.get(code) ?? at;
      firstSeen.delete(code);
      changes.push({ kind: 'cleared', code, threats: [], scanId: report.scanId, at, firstSeenAt: first });
    }
    if (!opts.onThreat) return;
    for (const c of changes) {
      try {
        opts.onThreat(c);
      } catch {
        // A faulty callback must not break scanning.
      }
    }
  }

  return {
    scan(reason: ScanReason): Promise<ScanReport> {
      const next = queue.then(() => runScan(reason));
      queue = next.catch(() => undefined);
      return next;
    },
    start(): void {
      if (timer) return;
      timer = setInterval(() => {
        void this.scan('periodic').catch(() => undefined);
      }, opts.intervalMs ?? 60_000);
      timer.unref();
    },
    stop(): void {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
    get lastReport(): ScanReport | undefined {
      return last;
    },
    verdict(): Verdict {
      if (!last) return { clean: false, highest: null, codes: [] };
      let highest: Severity | null = null;
      for (const t of last.threats)
        if (!highest || SEVERITY_RANK[t.severity] > SEVERITY_RANK[highest]) highest = t.severity;
      return { clean: last.clean, highest, codes: [...new Set(last.threats.map((t) => t.code))].sort() };
    },
    noteServerTime(serverTimeMs: number, toleranceMs?: number): Threat[] {
      return clock.noteServerTime(serverTimeMs, toleranceMs);
    },
  };
}
