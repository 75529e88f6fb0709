/**
 * PRELOAD_REQUIRE / PRELOAD_IMPORT / LOADER_HOOK: code that Node ran before the app, or hooks that
 * rewrite what the app loads (the Node analogue of a Frida script / Xposed module: MASTG-TEST-0048,
 * MASVS-RESILIENCE-4).
 *
 * How (docs/runtime-protection.md §2.3):
 *  - `--require`/`-r` in execArgv or NODE_OPTIONS, and `process._preload_modules` (Node's own list
 *    of `--require` preloads, undocumented: read defensively, counted only);
 *  - `--import` in execArgv or NODE_OPTIONS;
 *  - `--loader`/`--experimental-loader` in execArgv or NODE_OPTIONS, and calls to
 *    `module.register()` made after V-Guard loaded (V-Guard wraps it; see module-register.ts).
 * Evidence: counts per source, and the module specifiers from execArgv (visible in `ps` anyway);
 * specifiers that came from NODE_OPTIONS are not copied (environment values stay out).
 * Reliability: good when V-Guard loads first. Cannot see: a preload that scrubbed
 * `process.execArgv`, `process.env.NODE_OPTIONS` and `_preload_modules` (all mutable) before we
 * ran — the injected-library and built-in checks are the second layer; `module.register()` hooks
 * registered before V-Guard loaded without a flag (e.g. by an earlier `--import`, already reported).
 */

import type { Evidence, Threat } from '@openvse/protocol';
import type { DetectorContext } from '../context.js';
import type { Detector } from '../detector.js';
import { type Flag, matchFlags, processFlags } from '../flags.js';
import { threat } from '../threat.js';
import { registerCalls } from './module-register.js';

function bySource(flags: readonly Flag[]): Evidence {
  const fromArgv = flags.filter((f) => f.source === 'execArgv');
  const evidence: Evidence = {
    execArgv: fromArgv.length,
    nodeOptions: flags.filter((f) => f.source === 'NODE_OPTIONS').length,
  };
  const modules = fromArgv.map((f) => f.value).filter((v): v is string => !!v);
  if (modules.length) evidence.modules = modules.join(',').slice(0, 512);
  return evidence;
}

/** PRELOAD_REQUIRE / PRELOAD_IMPORT / LOADER_HOOK: code loaded before or beside the app. */
export const preloadDetector: Detector = {
  id: 'preload',
  detect(ctx: DetectorContext): Threat[] {
    const flags = processFlags(ctx);
    const out: Threat[] = [];
    const at = ctx.now();

    const requires = matchFlags(flags, ['-r', '--require']);
    const preloaded = ctx.preloadModules()?.length ?? 0;
    if (requires.length || preloaded) {
      out.push(threat('PRELOAD_REQUIRE', { ...bySource(requires), preloadModules: preloaded }, at));
    }
    const imports = matchFlags(flags, ['--import']);
    if (imports.length) out.push(threat('PRELOAD_IMPORT', bySource(imports), at));

    const loaders = matchFlags(flags, ['--loader', '--experimental-loader']);
    const registered = registerCalls();
    if (loaders.length || registered) {
      out.push(threat('LOADER_HOOK', { ...bySource(loaders), registerCalls: registered }, at));
    }
    return out;
  },
};
