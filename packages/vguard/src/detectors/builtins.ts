/**
 * BUILTIN_REPLACED: a security-relevant built-in (Function.prototype.call, JSON.parse,
 * crypto.createCipheriv, MessagePort.prototype.postMessage, fetch, fs.readFileSync…; the list is
 * primordials.ts) was monkey-patched: MASTG-TEST-0050, MASVS-RESILIENCE-2,
 * docs/runtime-protection.md §2.5 (a)(b)(c).
 *
 * Three checks per function, each named in the evidence (`checks`):
 *  - identity: the current lookup is not the reference captured when V-Guard loaded
 *    → replaced after V-Guard started;
 *  - native: for V8/C++ builtins, the captured function's source text (through V-Guard's own copy
 *    of Function.prototype.toString) is not exactly `function <name>() { [native code] }`
 *    → replaced before V-Guard started (a JS wrapper, `.bind()` or a Proxy all fail this);
 *  - reference: the captured function's source text differs from the same lookup in a clean
 *    realm: a Worker started with `execArgv: []` and an empty env, which does not run the
 *    parent's `--require`/NODE_OPTIONS preloads (measured here) → replaced before V-Guard started,
 *    also for Node's JS-implemented lib (crypto, fs, events), whose source the native check cannot
 *    judge. The clean-realm sources are computed once per process (one short-lived Worker, ~30 ms).
 * Reliability: good against JS-level hooks (frida-style `Interceptor` on JS, preloads, plugins).
 * Cannot see: a hook that keeps the original function object and patches what it calls
 * internally (internal bindings, via --expose-internals: see INTERNALS_EXPOSED), native hooks
 * (Frida Interceptor on V8/OpenSSL: see UNEXPECTED_SHARED_OBJECT), functions outside the list.
 * Where Workers are denied (permission model without --allow-worker) the reference check is
 * skipped silently; identity and native checks remain.
 */
import { Worker } from 'node:worker_threads';
import type { Threat } from '@openvse/protocol';
import type { DetectorContext } from '../context.js';
import type { Detector } from '../detector.js';
import { currentValue, PRIMORDIALS, type Primordial, sourceOf } from '../primordials.js';
import { threat } from '../threat.js';

type Reference = Record<string, string | null>;

let reference: Promise<Reference | undefined> | undefined;

function referenceSource(list: readonly Primordial[]): string {
  const lookups = list.map((p) => `[${JSON.stringify(p.spec.name)}, () => ${p.spec.expr}]`).join(',\n');
  return `'use strict';
const { parentPort } = require('node:worker_threads');
const ts = Function.prototype.toString;
const out = {};
for (const [name, get] of [${lookups}]) {
  try { const v = get(); out[name] = typeof v === 'function' ? ts.call(v) : null; } catch { out[name] = null; }
}
parentPort.postMessage(out);`;
}

/** Source texts of the primordials in a clean Worker realm (cached per process). */
export function cleanRealmSources(timeoutMs = 5000): Promise<Reference | undefined> {
  if (reference) return reference;
  const pending = new Promise<Reference | undefined>((resolve) => {
    let worker: Worker;
    try {
      worker = new Worker(referenceSource(PRIMORDIALS), {
        eval: true,
        execArgv: [],
        env: {},
        stdout: true,
        stderr: true,
      });
    } catch {
      resolve(undefined);
      return;
    }
    const timer = setTimeout(() => {
      void worker.terminate();
      resolve(undefined);
    }, timeoutMs);
    timer.unref();
    worker.once('message', (m: Reference) => {
      clearTimeout(timer);
      resolve(m);
      void worker.terminate();
    });
    worker.once('error', () => {
      clearTimeout(timer);
      resolve(undefined);
    });
    worker.once('exit', () => {
      clearTimeout(timer);
      resolve(undefined);
    });
  });
  reference = pending;
  // A failed attempt (timeout, worker denied) is not cached: the next scan tries again.
  void pending.then((r) => {
    if (!r && reference === pending) reference = undefined;
  });
  return pending;
}

/**
 * True when `source` is exactly the source text V8 prints for the native function `name`. For an
 * unnamed binding (`name` ''), whose text a bound function also prints, the function `fn` itself
 * must have no name either (a bound copy is named `bound …`).
 */
export function isExactNative(source: string | undefined, name: string, fn?: unknown): boolean {
  if (name !== '') return source === `function ${name}() { [native code] }`;
  return (
    source === 'function () { [native code] }' &&
    (fn === undefined || (typeof fn === 'function' && (fn as { name?: unknown }).name === ''))
  );
}

/** Options of {@link builtinsDetector}: skip the clean-realm check, or check another primordial list. */
export type BuiltinsOptions = { cleanRealm?: boolean; primordials?: readonly Primordial[] };

/** BUILTIN_REPLACED: identity, native-source and clean-realm checks of every primordial. */
export function builtinsDetector(opts: BuiltinsOptions = {}): Detector {
  const list = opts.primordials ?? PRIMORDIALS;
  return {
    id: 'builtins',
    async detect(ctx: DetectorContext): Promise<Threat[]> {
      const clean = opts.cleanRealm === false ? undefined : await cleanRealmSources();
      const out: Threat[] = [];
      const at = ctx.now();
      for (const p of list) {
        const checks: string[] = [];
        if (currentValue(p) !== p.value) checks.push('identity');
        const src = sourceOf(p.value);
        if (p.spec.native !== undefined && !isExactNative(src, p.spec.native, p.value)) checks.push('native');
        const ref = clean?.[p.spec.name];
        if (typeof ref === 'string' && src !== undefined && src !== ref) checks.push('reference');
        if (checks.length)
          out.push(threat('BUILTIN_REPLACED', { name: p.spec.name, checks: checks.join(',') }, at));
      }
      return out;
    },
  };
}
