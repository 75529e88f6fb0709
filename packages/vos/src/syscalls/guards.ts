/**
 * Argument checks for syscalls: every value a TA passes in is checked for its exact type and
 * copied before use (OP-TEE syscalls copy user memory in with `copy_from_user` / `bb_memdup_user`
 * and check every size; GP TEE Internal Core API v1.3 §2.1.3 panic on bad parameters, here a
 * TeeError(BAD_PARAMETERS)). Typed arrays are recognised by the intrinsic `@@toStringTag` getter,
 * so a Proxy or look-alike object is refused, and copied so the TA cannot change them mid-call.
 */
import { TeeResult } from '@openvse/protocol';
import { TeeError, toTeeError } from '../worker/tee-error.js';

const tagOf = Object.getOwnPropertyDescriptor(
  Object.getPrototypeOf(Uint8Array.prototype),
  Symbol.toStringTag,
)!.get as (this: unknown) => string | undefined;

export const MAX_DATA = 1024 * 1024;

export function bad(message: string): TeeError {
  return new TeeError(TeeResult.ERROR_BAD_PARAMETERS, message);
}

export function isBytes(v: unknown): v is Uint8Array {
  return Reflect.apply(tagOf, v, []) === 'Uint8Array';
}

/** A private copy of a Uint8Array argument. */
export function bytesArg(v: unknown, what: string, min = 0, max = MAX_DATA): Uint8Array {
  if (!isBytes(v)) throw bad(`${what} must be a Uint8Array`);
  const out = new Uint8Array(v);
  if (out.length < min || out.length > max) {
    out.fill(0);
    throw bad(`${what} must be ${min}..${max} bytes`);
  }
  return out;
}

export function optBytesArg(v: unknown, what: string, min = 0, max = MAX_DATA): Uint8Array | undefined {
  return v === undefined ? undefined : bytesArg(v, what, min, max);
}

export function oneOf<T extends string>(v: unknown, allowed: readonly T[], what: string): T {
  if (typeof v !== 'string' || !allowed.includes(v as T))
    throw bad(`${what} must be one of ${allowed.join(', ')}`);
  return v as T;
}

export function intArg(v: unknown, what: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw bad(`${what} must be an integer ${min}..${max}`);
  return v;
}

/** Reads a plain options object's own data properties once (no getters run twice). */
export function optionsArg(v: unknown, what: string): Record<string, unknown> {
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null) throw bad(`${what} must be an object`);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(v)) {
    const d = Object.getOwnPropertyDescriptor(v, key);
    if (!d || !('value' in d)) throw bad(`${what}.${key.slice(0, 20)} must be a data property`);
    out[key] = d.value;
  }
  return out;
}

/** A fresh Uint8Array with the prototype every compartment shares (never a Node Buffer). */
export function fresh(bytes: Uint8Array, wipeSource = false): Uint8Array {
  const out = new Uint8Array(bytes.length);
  out.set(bytes);
  if (wipeSource) bytes.fill(0);
  return out;
}

/** Wraps a syscall so that only TeeErrors ever reach the TA. */
export function guarded<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
  return (...args: A): R => {
    try {
      const r = fn(...args);
      if (r instanceof Promise) return r.catch((e: unknown) => Promise.reject(toTeeError(e))) as R;
      return r;
    } catch (e) {
      throw toTeeError(e);
    }
  };
}
