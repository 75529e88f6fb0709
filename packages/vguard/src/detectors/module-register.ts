/**
 * Records `module.register()` calls made after V-Guard loaded (LOADER_HOOK evidence). Node 20 has
 * no API that lists registered customization hooks, and the hooks thread is indistinguishable from
 * libuv's threads in /proc/self/task (all named "node"; measured here), so the only honest signal is
 * to wrap `module.register` itself and count calls. The wrapper calls the original unchanged and
 * `syncBuiltinESMExports()` makes `import { register } from 'node:module'` see it too.
 * Side effect: syncBuiltinESMExports() syncs every builtin's ESM namespace with its CommonJS
 * exports, so a hook already applied to a CommonJS export also shows through ESM named imports
 * (V-Guard checks the CommonJS objects anyway: primordials.ts).
 * Cannot see: registrations made before V-Guard loaded (those need a flag: `--import`, reported by
 * the preload detector), code that kept a reference to the original `register`.
 */
import * as moduleNs from 'node:module';
import { createRequire } from 'node:module';

let calls = 0;
let installed = false;

export function installRegisterTrap(): void {
  if (installed) return;
  installed = true;
  try {
    const mod = createRequire(import.meta.url)('node:module') as { register?: (...a: unknown[]) => unknown };
    const original = mod.register;
    if (typeof original !== 'function') return;
    const wrapped = function register(this: unknown, ...args: unknown[]): unknown {
      calls++;
      return Reflect.apply(original, this, args);
    };
    mod.register = wrapped;
    moduleNs.syncBuiltinESMExports();
  } catch {
    // A frozen node:module (e.g. hardened by the app) keeps its own register: nothing to count.
  }
}

export function registerCalls(): number {
  return calls;
}
