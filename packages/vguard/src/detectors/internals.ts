/**
 * INTERNALS_EXPOSED: `--expose-internals` (require('internal/…'), Node's primordials and bindings)
 * or `--allow-natives-syntax` (V8 `%` intrinsics) in execArgv or NODE_OPTIONS. Both hand code the
 * tools to reach past every JS-level check V-Guard makes (MASTG-TEST-0050, MASVS-RESILIENCE-4).
 * Reliability: good for the flags. Cannot see: the same powers obtained from a native addon.
 */

import type { Threat } from '@openvse/protocol';
import type { DetectorContext } from '../context.js';
import type { Detector } from '../detector.js';
import { flagNames, matchFlags, processFlags } from '../flags.js';
import { threat } from '../threat.js';

/** INTERNALS_EXPOSED: `--expose-internals` or `--allow-natives-syntax`. */
export const internalsDetector: Detector = {
  id: 'internals',
  detect(ctx: DetectorContext): Threat[] {
    const flags = matchFlags(processFlags(ctx), ['--expose-internals', '--allow-natives-syntax']);
    if (!flags.length) return [];
    const source = [...new Set(flags.map((f) => f.source))].sort().join(',');
    return [threat('INTERNALS_EXPOSED', { flags: flagNames(flags), flagSource: source }, ctx.now())];
  },
};
