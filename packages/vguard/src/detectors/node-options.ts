/**
 * NODE_OPTIONS_INJECTION: NODE_OPTIONS carries a flag that injects code, opens a debugger or dumps
 * memory. NODE_OPTIONS is the environment-level way in: it does not show in `process.execArgv`
 * (docs/runtime-protection.md §2.3), it is inherited by every child process and worker, and a shell
 * profile or a compromised launcher can set it without touching the app's command line
 * (MASTG-TEST-0048, MASVS-RESILIENCE-4). The specific threat (PRELOAD_*, INSPECTOR_OPEN,
 * HEAP_SNAPSHOT_EXPOSED…) is reported by its own detector too; this one says "via the environment".
 * Evidence: the offending flag names only, never the variable's value.
 * Reliability: good, unless a preload deleted `process.env.NODE_OPTIONS` before V-Guard ran.
 * Cannot see: flags set through a wrapper script's command line (that is execArgv), a patched binary.
 */

import type { Threat } from '@openvse/protocol';
import type { DetectorContext } from '../context.js';
import type { Detector } from '../detector.js';
import { flagNames, matchFlags, parseFlags, splitNodeOptions } from '../flags.js';
import { threat } from '../threat.js';

/** NODE_OPTIONS flags that load code or weaken the process (names, normalised). */
export const DANGEROUS_NODE_OPTIONS = [
  '-r',
  '--require',
  '--import',
  '--loader',
  '--experimental-loader',
  '--inspect',
  '--inspect-brk',
  '--inspect-wait',
  '--heapsnapshot-signal',
  '--heapsnapshot-near-heap-limit',
  '--heap-prof',
  '--cpu-prof',
  '--expose-internals',
  '--allow-natives-syntax',
  '--report-on-signal',
  '--report-uncaught-exception',
  '--report-on-fatalerror',
  '--insecure-http-parser',
  '--openssl-legacy-provider',
];

/** NODE_OPTIONS_INJECTION: a dangerous flag in NODE_OPTIONS (invisible in execArgv). */
export const nodeOptionsDetector: Detector = {
  id: 'node-options',
  detect(ctx: DetectorContext): Threat[] {
    const value = ctx.env.NODE_OPTIONS;
    if (!value) return [];
    const bad = matchFlags(parseFlags(splitNodeOptions(value), 'NODE_OPTIONS'), DANGEROUS_NODE_OPTIONS);
    if (!bad.length) return [];
    return [threat('NODE_OPTIONS_INJECTION', { flags: flagNames(bad), count: bad.length }, ctx.now())];
  },
};
