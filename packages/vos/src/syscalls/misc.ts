/**
 * The small syscalls: `clock` (GP TEE Internal Core API v1.3 §7.2 TEE_GetSystemTime /
 * TEE_GetREETime), `random` (§6.11 TEE_GenerateRandom), `counter` (the V-OS monotonic state
 * counter, docs/design.md "Rollback"), `log` (OP-TEE trace IMSG/DMSG) and `attest` (a JWS about
 * this TA signed by the platform identity, docs/attestation.md). Each exists in a TA's
 * compartment only when its capability is granted.
 */
import { type JsonWebKey, randomBytes, randomInt } from 'node:crypto';
import { publicJwk } from '../keys/key-object.js';
import type { TaContext } from './context.js';
import { bad, bytesArg, fresh, guarded, intArg, optionsArg } from './guards.js';

export function makeClock() {
  return {
    /** Wall-clock milliseconds since the epoch (REE time: the normal world can set it). */
    now: guarded((): number => Date.now()),
    /** Milliseconds from an arbitrary origin, never going backwards within a V-OS run. */
    monotonic: guarded((): number => performance.now()),
  };
}

export function makeRandom() {
  return {
    bytes: guarded((n: unknown): Uint8Array => fresh(randomBytes(intArg(n, 'n', 0, 65536)), true)),
    /** A uniform integer in [min, max). */
    int: guarded((min: unknown, max: unknown): number => {
      const lo = intArg(min, 'min', 0, 2 ** 47);
      const hi = intArg(max, 'max', lo + 1, lo + 2 ** 47);
      return randomInt(lo, hi);
    }),
  };
}

/** A Math object whose random() is the CSPRNG (granted with 'random'; SES removes Math.random). */
export function makeMath(): typeof Math {
  const m: Record<string, unknown> = {};
  for (const k of Object.getOwnPropertyNames(Math)) m[k] = (Math as unknown as Record<string, unknown>)[k];
  m.random = () => {
    const b = randomBytes(6);
    return b.readUIntBE(0, 6) / 2 ** 48;
  };
  return m as unknown as typeof Math;
}

export function makeCounter(ctx: TaContext) {
  return {
    /** The sealed store's state counter: bumped by every state change, never goes back. */
    state: guarded((): bigint => ctx.stateCounter()),
  };
}

export function makeLog(ctx: TaContext) {
  let budget = 1000;
  return guarded((...parts: unknown[]): void => {
    if (budget <= 0) return;
    budget--;
    const line = parts
      .map((p) =>
        typeof p === 'string' || typeof p === 'number' || typeof p === 'boolean'
          ? String(p)
          : `[${typeof p}]`,
      )
      .join(' ')
      .slice(0, 500);
    ctx.log(line);
  });
}

/**
 * The threat flags V-Guard reported to V-OS, for a TA that enforces a reaction policy itself
 * (docs/cbp-protocol.md §6). Granted with 'attest': the same flags go into every attestation.
 */
export function makeThreats(ctx: TaContext) {
  return {
    flags: guarded((): string[] => [...ctx.threatFlags()]),
  };
}

export function makeAttest(ctx: TaContext) {
  return {
    /**
     * A JWS (platform identity) binding this TA's uuid, code hash and the V-OS protection level
     * to `nonce`, plus `publicKeys` taken from the given key handles (never secret keys).
     */
    statement: guarded(async (options: unknown): Promise<string> => {
      const o = optionsArg(options, 'options');
      const nonce = bytesArg(o.nonce, 'nonce', 8, 64);
      const handles = o.keys === undefined ? [] : o.keys;
      if (!Array.isArray(handles) || handles.length > 8) throw bad('keys must be up to 8 handles');
      const publicKeys: Record<string, JsonWebKey> = {};
      for (let i = 0; i < handles.length; i++) {
        const k = ctx.keys.get(handles[i]);
        if (!k.pub) throw bad('only asymmetric keys can be attested');
        publicKeys[k.persistentId ?? `key${i}`] = publicJwk(k.type, k.pub);
      }
      return ctx.attest(Buffer.from(nonce).toString('base64url'), publicKeys);
    }),
  };
}
