/**
 * HEAP_SNAPSHOT_EXPOSED: the process was started with a flag that writes its memory, or profiles of
 * it, to disk on demand: `--heapsnapshot-signal` (any local user who can signal us gets a full
 * heap, keys included), `--heapsnapshot-near-heap-limit`, `--heap-prof`, `--cpu-prof` (execArgv or
 * NODE_OPTIONS). docs/runtime-protection.md §2.9, MASWE-0061 (debug artifacts), MASVS-RESILIENCE-4.
 * Severity high for heap snapshots, medium for profilers only.
 * A flag given with its off value is not armed: `--heapsnapshot-near-heap-limit=0` (Node's
 * default, "no snapshots") and an empty `--heapsnapshot-signal=`. Node 24's test runner starts its
 * children with every option at its default value in execArgv, so names alone would flag a clean
 * process.
 * Reliability: good for the flags. Cannot see: `v8.writeHeapSnapshot()` / `v8.getHeapSnapshot()`
 * called from code inside the process (only the permission model stops the write), an inspector
 * session taking one (INSPECTOR_OPEN covers the remote case).
 */

import type { Threat } from '@openvse/protocol';
import type { DetectorContext } from '../context.js';
import type { Detector } from '../detector.js';
import { type Flag, flagNames, matchFlags, processFlags } from '../flags.js';
import { threat } from '../threat.js';

const HEAP = ['--heapsnapshot-signal', '--heapsnapshot-near-heap-limit'];
const PROFILERS = ['--heap-prof', '--cpu-prof'];

/** False for a flag given its off value (see the header); true otherwise. */
export function isArmedHeapFlag(f: Flag): boolean {
  if (f.name === '--heapsnapshot-near-heap-limit')
    return f.value === undefined || !/^0+$/.test(f.value.trim());
  if (f.name === '--heapsnapshot-signal') return f.value === undefined || f.value.trim() !== '';
  return true;
}

/** HEAP_SNAPSHOT_EXPOSED: heap-snapshot or profiler flags in execArgv or NODE_OPTIONS. */
export const heapExposureDetector: Detector = {
  id: 'heap-exposure',
  detect(ctx: DetectorContext): Threat[] {
    const flags = processFlags(ctx);
    const heap = matchFlags(flags, HEAP).filter(isArmedHeapFlag);
    const prof = matchFlags(flags, PROFILERS);
    if (!heap.length && !prof.length) return [];
    const all = [...heap, ...prof];
    const source = [...new Set(all.map((f) => f.source))].sort().join(',');
    return [
      threat(
        'HEAP_SNAPSHOT_EXPOSED',
        { flags: flagNames(all), flagSource: source },
        ctx.now(),
        heap.length ? 'high' : 'medium',
      ),
    ];
  },
};
