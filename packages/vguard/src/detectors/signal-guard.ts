/**
 * INSPECTOR_SIGNAL / SIGNAL_GUARD_REMOVED: prevention plus detection of late inspector activation.
 *
 * On POSIX, `kill -USR1 <pid>` (or another node's `process._debugProcess(pid)`) opens the inspector
 * of a running process. Installing a `process.on('SIGUSR1')` listener makes Node deliver the signal
 * to the listener instead, so the inspector stays closed (docs/runtime-protection.md §2.1, verified
 * on this machine). The guard installs that listener once per process and counts the signals: any
 * count is reported as INSPECTOR_SIGNAL (high: somebody tried to attach a debugger). The threat
 * stays until the process ends: an attempt is a fact about this process's history.
 * If the listener disappears (`process.removeAllListeners('SIGUSR1')` by hostile code), the next
 * scan reports SIGNAL_GUARD_REMOVED and reinstalls it; the inspector detector's polling of
 * `inspector.url()` still catches an inspector opened in the gap.
 * Reliability: good on Linux/macOS (MASVS-RESILIENCE-4, MASTG-TEST-0046). Cannot see: signals
 * on Windows (no SIGUSR1; `_debugProcess` uses a remote thread there), `inspector.open()` called
 * from inside the process, a signal-mask change by native code.
 */

import type { Threat } from '@openvse/protocol';
import type { DetectorContext } from '../context.js';
import type { Detector } from '../detector.js';
import { threat } from '../threat.js';

type GuardState = { installed: boolean; count: number; lastAt?: string; removed: number };

const state: GuardState = { installed: false, count: 0, removed: 0 };

function onSigusr1(): void {
  state.count++;
  state.lastAt = new Date().toISOString();
}

/** Installs the SIGUSR1 listener (idempotent). Returns false where signals do not exist. */
export function installSignalGuard(): boolean {
  if (process.platform === 'win32') return false;
  if (!process.listeners('SIGUSR1').includes(onSigusr1)) process.on('SIGUSR1', onSigusr1);
  state.installed = true;
  return true;
}

/** Signals received so far (for tests and the CLI). */
export function signalGuardState(): Readonly<GuardState> {
  return { ...state };
}

/** INSPECTOR_SIGNAL / SIGNAL_GUARD_REMOVED: SIGUSR1 received, or the listener taken away. */
export const signalGuardDetector: Detector = {
  id: 'signal-guard',
  detect(ctx: DetectorContext): Threat[] {
    const out: Threat[] = [];
    if (state.installed && !process.listeners('SIGUSR1').includes(onSigusr1)) {
      state.removed++;
      process.on('SIGUSR1', onSigusr1);
    }
    if (state.removed > 0) {
      out.push(threat('SIGNAL_GUARD_REMOVED', { signal: 'SIGUSR1', times: state.removed }, ctx.now()));
    }
    if (state.count > 0) {
      out.push(
        threat(
          'INSPECTOR_SIGNAL',
          {
            signal: 'SIGUSR1',
            count: state.count,
            lastAt: state.lastAt ?? '',
            inspectorStayedClosed: !ctx.inspectorUrl(),
          },
          ctx.now(),
        ),
      );
    }
    return out;
  },
};
