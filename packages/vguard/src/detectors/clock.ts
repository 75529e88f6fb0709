/**
 * CLOCK_TAMPERED: the wall clock is not to be trusted (docs/runtime-protection.md §2.10 "Clock
 * tampering"): limited-use keys carry a time to live and the server checks time-bound claims, so a
 * device that winds its clock back can stretch a LUK or replay a time window.
 *  - against server time: `checkClock(serverTimeMs, localNowMs, toleranceMs)` reports a skew
 *    beyond the tolerance (evidence: skewMs, positive = device ahead). The SDK feeds every
 *    server-signed time it receives through `guard.noteServerTime()`; the latest skew is part of
 *    every scan until a better one arrives. This is the only check that sees a clock that was
 *    consistently fake from process start.
 *  - between scans: wall-clock time elapsed vs monotonic time elapsed since V-Guard started. A
 *    step backwards or far forward of the wall clock while the monotonic clock advanced normally
 *    shows as drift (high when the wall clock went back, medium when it jumped ahead). The
 *    monotonic source is CLOCK_BOOTTIME (/proc/uptime) where readable, because it keeps counting
 *    during suspend; `process.hrtime` (CLOCK_MONOTONIC, stops in suspend: a phone waking up would
 *    look like a forward jump) is the fallback. The drift stays reported while it lasts.
 * Reliability: step changes good; NTP slewing (ms/s) stays far under the 30 s default tolerance.
 * Cannot see: a fake clock consistent from process start without a server time; a libfaketime
 * that also fakes CLOCK_MONOTONIC/BOOTTIME (LD_PRELOAD reports the library); kernel-level fakes.
 */

import type { Threat } from '@openvse/protocol';
import type { DetectorContext } from '../context.js';
import type { Detector } from '../detector.js';
import { threat } from '../threat.js';

/** The wall clock and a monotonic clock, in ms (injectable for tests). */
export type Clock = { nowMs(): number; monotonicMs(): number };

/** Skew tolerated between the device clock and server time, or drift between scans (ms). */
export const DEFAULT_CLOCK_TOLERANCE_MS = 30_000;

const dateNow = Date.now;
const hrtime = process.hrtime.bigint;

/** The real clocks (see the module comment for the monotonic source). */
export function systemClock(readFile?: (p: string) => string | undefined): Clock {
  const uptime = (): number | undefined => {
    const t = readFile?.('/proc/uptime');
    const s = t ? Number.parseFloat(t) : Number.NaN;
    return Number.isFinite(s) ? s * 1000 : undefined;
  };
  const boot = uptime() !== undefined;
  return {
    nowMs: () => dateNow(),
    monotonicMs: () => (boot ? (uptime() ?? Number(hrtime()) / 1e6) : Number(hrtime()) / 1e6),
  };
}

/** Server time vs local time; `serverTimeMs` should come from a signed server response. */
export function checkClock(
  serverTimeMs: number,
  localNowMs: number,
  toleranceMs = DEFAULT_CLOCK_TOLERANCE_MS,
  at: Date = new Date(),
): Threat[] {
  const skew = Math.round(localNowMs - serverTimeMs);
  if (!Number.isFinite(skew) || Math.abs(skew) <= toleranceMs) return [];
  return [
    threat(
      'CLOCK_TAMPERED',
      { kind: 'server-skew', skewMs: skew, toleranceMs, direction: skew > 0 ? 'ahead' : 'behind' },
      at,
    ),
  ];
}

/** The CLOCK_TAMPERED detector, which also takes the verified server times the SDK receives. */
export type ClockDetector = Detector & {
  /** Records a (verified) server time; the next scans compare the device clock with it. */
  noteServerTime(serverTimeMs: number, toleranceMs?: number): Threat[];
};

/** CLOCK_TAMPERED: wall-clock drift against the monotonic clock, and skew against server time. */
export function clockDetector(clock: Clock, toleranceMs = DEFAULT_CLOCK_TOLERANCE_MS): ClockDetector {
  const wall0 = clock.nowMs();
  const mono0 = clock.monotonicMs();
  // Server skew is measured against the monotonic clock so it stays valid as time passes.
  let server: { offsetMs: number; toleranceMs: number } | undefined;
  return {
    id: 'clock',
    noteServerTime(serverTimeMs: number, tol = toleranceMs): Threat[] {
      server = { offsetMs: serverTimeMs - clock.monotonicMs(), toleranceMs: tol };
      return checkClock(serverTimeMs, clock.nowMs(), tol);
    },
    detect(ctx: DetectorContext): Threat[] {
      const out: Threat[] = [];
      const wall = clock.nowMs();
      const mono = clock.monotonicMs();
      if (server) out.push(...checkClock(server.offsetMs + mono, wall, server.toleranceMs, ctx.now()));
      const drift = Math.round(wall - wall0 - (mono - mono0));
      if (Math.abs(drift) > toleranceMs) {
        out.push(
          threat(
            'CLOCK_TAMPERED',
            {
              kind: 'wall-jump',
              driftMs: drift,
              toleranceMs,
              direction: drift < 0 ? 'back' : 'ahead',
              monotonicElapsedMs: Math.round(mono - mono0),
            },
            ctx.now(),
            drift < 0 ? 'high' : 'medium',
          ),
        );
      }
      return out;
    },
  };
}
