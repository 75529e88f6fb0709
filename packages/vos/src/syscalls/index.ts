/**
 * Builds a TA compartment's globals from its manifest's capabilities, as hardened endowments and
 * nothing else (docs/design.md "TA compartments"; OP-TEE gives a TA only the syscalls of libutee,
 * GP TEE Internal Core API v1.3). Every TA gets `TEE` (constants) and `TeeError`; everything else
 * is granted:
 *
 *   keys                → keys      (+ key types by crypto.* capability)
 *   crypto.*            → crypto    (mac, cipher, aead*, sign, verify, digest)
 *   storage             → storage   (own namespace only)
 *   clock               → clock, Date
 *   random              → random, Math (with a CSPRNG Math.random)
 *   counter             → counter
 *   attest              → attest, threats (the V-Guard flags V-OS holds)
 *   jose                → jose      (JOSE on key handles: syscalls/jose.ts)
 *   log                 → log
 *
 * All values are hardened (deep-frozen) before the compartment sees them.
 */
import { TeeResult } from '@openvse/protocol';
import { TEE, TeeError } from '../worker/tee-error.js';
import type { TaContext } from './context.js';
import { makeCryptoSyscalls } from './crypto.js';
import { makeJoseSyscalls } from './jose.js';
import { makeKeysSyscalls } from './keys.js';
import { makeAttest, makeClock, makeCounter, makeLog, makeMath, makeRandom, makeThreats } from './misc.js';
import { makeStorageSyscalls } from './storage.js';

export type { StoreNamespace, TaContext } from './context.js';

export function buildEndowments(ctx: TaContext): Record<string, unknown> {
  const caps = ctx.capabilities;
  const g: Record<string, unknown> = {
    TEE: { ...TEE, ta: { uuid: ctx.uuid, name: ctx.name, version: ctx.version } },
    TeeError,
  };
  if (caps.has('keys')) g.keys = makeKeysSyscalls(ctx);
  if ([...caps].some((c) => c.startsWith('crypto.'))) g.crypto = makeCryptoSyscalls(ctx);
  if (caps.has('storage')) g.storage = makeStorageSyscalls(ctx);
  if (caps.has('clock')) {
    g.clock = makeClock();
    g.Date = Date;
  }
  if (caps.has('random')) {
    g.random = makeRandom();
    g.Math = makeMath();
  }
  if (caps.has('counter')) g.counter = makeCounter(ctx);
  if (caps.has('attest')) {
    g.attest = makeAttest(ctx);
    g.threats = makeThreats(ctx);
  }
  if (caps.has('jose')) g.jose = makeJoseSyscalls(ctx);
  if (caps.has('log')) g.log = makeLog(ctx);
  return harden(revocable(g, ctx));
}

/**
 * Every syscall first checks that its TA instance is still alive: a TA ended by the watchdog
 * (an async command past its deadline) may still have code pending, which must not reach keys
 * or storage any more (OP-TEE: a panicked TA's context is torn down).
 */
function revocable(g: Record<string, unknown>, ctx: TaContext): Record<string, unknown> {
  const gate = <F extends (...a: never[]) => unknown>(fn: F): F =>
    ((...args: never[]) => {
      if (ctx.revoked()) throw new TeeError(TeeResult.ERROR_TARGET_DEAD, 'TA instance ended');
      return fn(...args);
    }) as F;
  for (const [name, value] of Object.entries(g)) {
    if (name === 'TEE' || name === 'TeeError' || name === 'Date' || name === 'Math') continue;
    if (typeof value === 'function') g[name] = gate(value as (...a: never[]) => unknown);
    else if (typeof value === 'object' && value !== null) {
      const obj = value as Record<string, unknown>;
      for (const [k, f] of Object.entries(obj)) {
        if (typeof f === 'function') obj[k] = gate(f as (...a: never[]) => unknown);
      }
    }
  }
  return g;
}
