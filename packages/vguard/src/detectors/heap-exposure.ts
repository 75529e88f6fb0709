/**
 * HEAP_SNAPSHOT_EXPOSED: the process was started with a flag that writes its memory, or profiles of
 * it, to disk on demand: `--heapsnapshot-signal` (any local user who can signal us gets a full
 * heap, keys included), `--heapsnapshot-near-heap-limit`, `--heap-prof`, `--cpu-prof` (execArgv or
 * NODE_OPTIONS). docs/runtime-protection.md §2.9, MASWE-0061 (debug artifacts), MASVS-RESILIENCE-4.
 * Severity high for heap snapshots, medium for profilers only.
 * Reliability: good for the flags. Cannot see: `v8.writeHeapSnapshot()` / `v8.getHeapSnapshot()`
 * called from code inside the process (only the permission model stops the write), an inspector
 * session taking one (INSPECTOR_OPEN covers the remote case).
 */

import type { Threat } from '@openvse/protocol';
import type { DetectorContext } from '../context.js';
import type { Detector } from '../detector.js';
import { flagNames, matchFlags, processFlags } from '../flags.js';
import { threat } from '../threat.js';

const HEAP = ['--heapsnapshot-signal', '--heapsnapshot-near-heap-limit'];
const PROFILERS = ['--heap-prof', '--cpu-prof'];

/** HEAP_SNAPSHOT_EXPOSED: heap-snapshot or profiler flags in execArgv or NODE_OPTIONS. */
export const heapExposureDetector: Detector = {
  id: 'heap-exposure',
  detect(ctx: DetectorContext): Threat[] {
    const flags = processFlags(ctx);
    const heap = matchFlags(flags, HEAP);
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
