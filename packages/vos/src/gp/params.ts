/**
 * Operation parameters at the V-OS boundary, shaped like GP TEE Client API v1.0 §4.3.6
 * (TEEC_Operation: four parameters whose types are packed with TEEC_PARAM_TYPES) and GP TEE
 * Internal Core API v1.3 §4.3.6.1 (TEE_PARAM_TYPES / TEE_PARAM_TYPE_GET, the same nibble codes).
 *
 * The caller writes each parameter as a discriminated union with a direction, in GP's spirit:
 *
 *   { type: 'none' }
 *   { type: 'value',  dir?: 'in' | 'out' | 'inout', a?: u32, b?: u32 }           dir defaults to 'in'
 *   { type: 'memref', dir?: 'in' | 'out' | 'inout', data?: Uint8Array, size?: u32 }
 *
 *  - value in / inout: `a` and `b` are required u32 (TEEC_VALUE_INPUT / TEEC_VALUE_INOUT);
 *    value out: `a` and `b` must be absent; the TA fills them (TEEC_VALUE_OUTPUT).
 *  - memref in: `data` is required and is copied; `size` must be absent.
 *  - memref inout: `data` is required; `size` (optional, ≥ data.length) is the capacity the TA may
 *    write back, like a TEEC_TempMemoryReference whose buffer is larger than its content.
 *  - memref out: `size` is the required capacity; `data`, if given, only states the capacity
 *    (its bytes are not sent).
 *  - An output larger than its capacity gives TEE_ERROR_SHORT_BUFFER and the needed `size`
 *    in that output parameter (GP Client API §4.5.9 memref size semantics).
 *
 * At most four parameters; missing ones are NONE. Everything is read once and copied into fresh
 * objects (OP-TEE's copy-in idiom against double fetch): the TA never sees a caller-owned buffer.
 * This module holds no state and is used on both sides of the boundary.
 */
import { ParamType } from '@openvse/protocol';

/** Largest memref V-OS accepts in one parameter (bytes). */
export const MAX_MEMREF_SIZE = 1024 * 1024;

/**
 * Direction of a parameter as the caller sees it: 'in' to the TA, 'out' from it, 'inout' both
 * (GP TEE Client API v1.0 parameter types TEEC_*_INPUT, TEEC_*_OUTPUT, TEEC_*_INOUT).
 */
export type ParamDirection = 'in' | 'out' | 'inout';

/** An unused parameter slot (GP TEEC_NONE); slots after the last given parameter are NONE too. */
export type NoneParam = { type: 'none' };

/**
 * Two u32 values `a` and `b` (GP TEEC_Value). They are required for 'in' (the default) and
 * 'inout' and must be absent for 'out', whose values the TA fills; otherwise `invoke` resolves with
 * TEE_ERROR_BAD_PARAMETERS, origin API.
 */
export type ValueParam = { type: 'value'; dir?: ParamDirection; a?: number; b?: number };

/**
 * A byte buffer (GP TEEC_TempMemoryReference), copied at the boundary, of at most
 * {@link MAX_MEMREF_SIZE} bytes. 'in' (the default) needs `data` and no `size`; 'inout' needs
 * `data`, and `size` ≥ `data.length` (default `data.length`) is the capacity for the answer; 'out'
 * needs `size`, or `data` whose length is the capacity. Any other shape resolves `invoke` with
 * TEE_ERROR_BAD_PARAMETERS, origin API; an output above its capacity gives TEE_ERROR_SHORT_BUFFER.
 */
export type MemrefParam = { type: 'memref'; dir?: ParamDirection; data?: Uint8Array; size?: number };
/** One parameter as the normal-world caller writes it. */
export type VosParam = NoneParam | ValueParam | MemrefParam;

/** One parameter as the caller gets it back: outputs only, everything else `none`. */
export type VosOutParam =
  | NoneParam
  | { type: 'value'; a: number; b: number }
  | { type: 'memref'; data: Uint8Array; size: number };

/**
 * The copied, checked form that crosses the worker boundary: type nibble, values, bytes, capacity.
 * `d` is a fresh Uint8Array owned by the message; `s` is the capacity for outputs.
 */
export type WireParam = { t: ParamType; a: number; b: number; d: Uint8Array | null; s: number };

export function isU32(v: unknown): v is number {
  return typeof v === 'number' && v >= 0 && v <= 0xffffffff && v === Math.floor(v);
}

export function isOutput(t: number): boolean {
  return (
    t === ParamType.VALUE_OUTPUT ||
    t === ParamType.VALUE_INOUT ||
    t === ParamType.MEMREF_OUTPUT ||
    t === ParamType.MEMREF_INOUT
  );
}

export function isValueType(t: number): boolean {
  return t === ParamType.VALUE_INPUT || t === ParamType.VALUE_OUTPUT || t === ParamType.VALUE_INOUT;
}

export function isMemrefType(t: number): boolean {
  return t === ParamType.MEMREF_INPUT || t === ParamType.MEMREF_OUTPUT || t === ParamType.MEMREF_INOUT;
}
