/**
 * Checks and copies the caller's four parameters at the client boundary (GP TEE Client API v1.0
 * §4.3.6 TEEC_Operation; OP-TEE's copy-in idiom against double fetch, docs/design.md "The host"). Every field
 * is read exactly once, type-checked exactly (u32 values, genuine Uint8Array memrefs, at most
 * four entries) and copied into a fresh buffer, so later changes by the caller, a proxy or a
 * SharedArrayBuffer view cannot reach the TA. Only own properties are read, so accessors that
 * other code adds to Object.prototype later never see a parameter object. Violations give TEE_ERROR_BAD_PARAMETERS with
 * origin API; the reason names the parameter, never its bytes.
 */
import { MAX_PARAMS, ParamType } from '@openvse/protocol';
import { MAX_MEMREF_SIZE, type VosOutParam, type WireParam } from '../gp/params.js';
import {
  ArrayIsArray,
  ObjectFreeze,
  own,
  TypedArrayLength,
  TypedArraySet,
  TypedArrayToStringTag,
  Uint8ArrayCtor,
} from './primordials.js';

function u32(v: unknown): v is number {
  return typeof v === 'number' && v >= 0 && v <= 0xffffffff && v % 1 === 0;
}

function isBytes(v: unknown): v is Uint8Array {
  return TypedArrayToStringTag(v) === 'Uint8Array';
}

function copyBytes(src: Uint8Array, len: number): Uint8Array {
  const out = new Uint8ArrayCtor(len);
  TypedArraySet(out, src);
  return out;
}

function dirOf(v: unknown): 'in' | 'out' | 'inout' | null {
  if (v === undefined || v === 'in') return 'in';
  if (v === 'out' || v === 'inout') return v;
  return null;
}

const NONE_WIRE = (): WireParam => ({ t: ParamType.NONE, a: 0, b: 0, d: null, s: 0 });

/** The copied wire form (null when all four are NONE), or a string saying which parameter is wrong. */
export function copyParams(params: unknown): WireParam[] | null | string {
  if (params === undefined) return null;
  if (!ArrayIsArray(params)) return 'params must be an array of at most 4 parameters';
  const n = (params as unknown[]).length;
  if (!u32(n) || n > MAX_PARAMS) return 'params must be an array of at most 4 parameters';
  if (n === 0) return null;
  const out: WireParam[] = [NONE_WIRE(), NONE_WIRE(), NONE_WIRE(), NONE_WIRE()];
  for (let i = 0; i < n; i++) {
    const p = own(params as object, String(i));
    if (p === undefined || p === null) continue;
    if (typeof p !== 'object') return `param ${i} must be an object`;
    // Own properties only: a getter someone put on Object.prototype never sees the parameter.
    const rec = p as object;
    const type = own(rec, 'type');
    if (type === 'none') continue;
    const dir = dirOf(own(rec, 'dir'));
    if (dir === null) return `param ${i}: dir must be 'in', 'out' or 'inout'`;
    if (type === 'value') {
      const a = own(rec, 'a');
      const b = own(rec, 'b');
      if (dir === 'out') {
        if (a !== undefined || b !== undefined) return `param ${i}: an output value carries no a/b`;
        out[i] = { t: ParamType.VALUE_OUTPUT, a: 0, b: 0, d: null, s: 0 };
      } else {
        if (!u32(a) || !u32(b)) return `param ${i}: value a and b must be u32`;
        out[i] = { t: dir === 'in' ? ParamType.VALUE_INPUT : ParamType.VALUE_INOUT, a, b, d: null, s: 0 };
      }
      continue;
    }
    if (type === 'memref') {
      const data = own(rec, 'data');
      const size = own(rec, 'size');
      if (data !== undefined && !isBytes(data)) return `param ${i}: memref data must be a Uint8Array`;
      if (size !== undefined && !u32(size)) return `param ${i}: memref size must be a u32`;
      const len = data === undefined ? 0 : TypedArrayLength(data);
      if (dir === 'in') {
        if (data === undefined) return `param ${i}: an input memref needs data`;
        if (size !== undefined) return `param ${i}: an input memref takes no size`;
        if (len > MAX_MEMREF_SIZE) return `param ${i}: memref larger than ${MAX_MEMREF_SIZE} bytes`;
        out[i] = { t: ParamType.MEMREF_INPUT, a: 0, b: 0, d: copyBytes(data, len), s: len };
      } else if (dir === 'inout') {
        if (data === undefined) return `param ${i}: an inout memref needs data`;
        const cap = size === undefined ? len : size;
        if (cap < len || cap > MAX_MEMREF_SIZE)
          return `param ${i}: memref size must be data.length..${MAX_MEMREF_SIZE}`;
        out[i] = { t: ParamType.MEMREF_INOUT, a: 0, b: 0, d: copyBytes(data, len), s: cap };
      } else {
        const cap = size === undefined ? (data === undefined ? -1 : len) : size;
        if (cap < 0) return `param ${i}: an output memref needs a size`;
        if (cap > MAX_MEMREF_SIZE) return `param ${i}: memref size above ${MAX_MEMREF_SIZE}`;
        out[i] = { t: ParamType.MEMREF_OUTPUT, a: 0, b: 0, d: null, s: cap };
      }
      continue;
    }
    return `param ${i}: type must be 'none', 'value' or 'memref'`;
  }
  for (let i = 0; i < MAX_PARAMS; i++) if (out[i]!.t !== ParamType.NONE) return out;
  return null;
}

const NONE_OUT: VosOutParam = ObjectFreeze({ type: 'none' }) as VosOutParam;

const NONE_OUTS: VosOutParam[] = ObjectFreeze([NONE_OUT, NONE_OUT, NONE_OUT, NONE_OUT]) as VosOutParam[];

/** Caller-facing output parameters from the worker's reply (fresh objects, outputs only). */
export function outParams(wire: WireParam[] | undefined, sent: WireParam[] | null): VosOutParam[] {
  if (!wire || !sent) return NONE_OUTS;
  const out: VosOutParam[] = [NONE_OUT, NONE_OUT, NONE_OUT, NONE_OUT];
  for (let i = 0; i < MAX_PARAMS; i++) {
    const w = wire[i];
    const t = sent[i]!.t;
    if (!w || w.t !== t) continue;
    if (t === ParamType.VALUE_OUTPUT || t === ParamType.VALUE_INOUT) {
      out[i] = { type: 'value', a: w.a >>> 0, b: w.b >>> 0 };
    } else if (t === ParamType.MEMREF_OUTPUT || t === ParamType.MEMREF_INOUT) {
      // The reply was structured-cloned by the port, so `w.d` is already a private copy.
      out[i] = { type: 'memref', data: isBytes(w.d) ? w.d : new Uint8ArrayCtor(0), size: w.s >>> 0 };
    }
  }
  return out;
}
