/**
 * Parameters as a TA sees them and back (GP TEE Internal Core API v1.3 §4.3.6 TEE_Param and
 * TA_InvokeCommandEntryPoint(sessionContext, commandID, paramTypes, params)). The core builds
 * fresh objects for each call from the already-copied wire form:
 *
 *   { type: 'none' } | { type: 'value', dir, a, b } | { type: 'memref', dir, data, size }
 *
 * A TA answers by setting `a`/`b` of output values and `data` of output memrefs. After the call
 * the core reads outputs exactly once and checks them: values must be u32, memrefs Uint8Arrays
 * no larger than the capacity (else TEE_ERROR_SHORT_BUFFER with the needed size, GP §4.3.6.3).
 */

import { ParamType, packParamTypes, TeeResult } from '@openvse/protocol';
import { isOutput, isU32, MAX_MEMREF_SIZE, type WireParam } from '../gp/params.js';
import { isBytes } from '../syscalls/guards.js';

export type TaParam =
  | { type: 'none' }
  | { type: 'value'; dir: 'in' | 'out' | 'inout'; a: number; b: number }
  | { type: 'memref'; dir: 'in' | 'out' | 'inout'; data: Uint8Array; size: number };

function dirOf(t: number): 'in' | 'out' | 'inout' {
  return t === ParamType.VALUE_INPUT || t === ParamType.MEMREF_INPUT
    ? 'in'
    : t === ParamType.VALUE_OUTPUT || t === ParamType.MEMREF_OUTPUT
      ? 'out'
      : 'inout';
}

/** Fresh TA-side params and the packed param types. */
export function toTaParams(wire: WireParam[] | null): { params: TaParam[]; types: number } {
  if (wire === null) {
    return { params: [{ type: 'none' }, { type: 'none' }, { type: 'none' }, { type: 'none' }], types: 0 };
  }
  const params: TaParam[] = [];
  const t: number[] = [0, 0, 0, 0];
  for (let i = 0; i < 4; i++) {
    const w = wire[i];
    const type = w ? w.t : ParamType.NONE;
    t[i] = type;
    if (!w || type === ParamType.NONE) params.push({ type: 'none' });
    else if (type <= ParamType.VALUE_INOUT) params.push({ type: 'value', dir: dirOf(type), a: w.a, b: w.b });
    else {
      // The wire buffer is already a private structured clone owned by this call: hand it over
      // instead of copying, so a TA that wipes its input wipes the only copy in the worker.
      const data = type === ParamType.MEMREF_OUTPUT || !isBytes(w.d) ? new Uint8Array(0) : w.d;
      params.push({ type: 'memref', dir: dirOf(type), data, size: w.s });
    }
  }
  return { params, types: packParamTypes(t[0]!, t[1]!, t[2]!, t[3]!) };
}

const TYPES: ReadonlySet<number> = new Set(Object.values(ParamType));

/** Defence in depth: the wire form the host sent is exactly what param-copy.ts produces. */
export function wireIsValid(wire: unknown): wire is WireParam[] | null {
  if (wire === null) return true;
  if (!Array.isArray(wire) || wire.length !== 4) return false;
  for (const w of wire as WireParam[]) {
    if (typeof w !== 'object' || w === null || !TYPES.has(w.t) || !isU32(w.a) || !isU32(w.b) || !isU32(w.s))
      return false;
    if (w.s > MAX_MEMREF_SIZE) return false;
    if (w.d !== null && (!isBytes(w.d) || w.d.length > MAX_MEMREF_SIZE)) return false;
  }
  return true;
}

export function hasOutputs(wire: WireParam[] | null): boolean {
  if (wire === null) return false;
  for (let i = 0; i < 4; i++) if (wire[i] && isOutput(wire[i]!.t)) return true;
  return false;
}

/**
 * Output wire params read back from what the TA left in `params`; `r` is SHORT_BUFFER or
 * BAD_FORMAT when an output is too large or malformed.
 */
export function fromTaParams(wire: WireParam[], params: unknown): { out: WireParam[]; r: number } {
  const out: WireParam[] = [];
  let r: number = TeeResult.SUCCESS;
  for (let i = 0; i < 4; i++) {
    const w = wire[i]!;
    if (!isOutput(w.t)) {
      out.push({ t: w.t, a: 0, b: 0, d: null, s: 0 });
      continue;
    }
    let p: Record<string, unknown> | undefined;
    try {
      p = (params as Record<string, unknown>[])[i];
    } catch {
      p = undefined;
    }
    if (typeof p !== 'object' || p === null) {
      r = TeeResult.ERROR_BAD_FORMAT;
      out.push({ t: w.t, a: 0, b: 0, d: null, s: 0 });
      continue;
    }
    if (w.t === ParamType.VALUE_OUTPUT || w.t === ParamType.VALUE_INOUT) {
      const a = p.a;
      const b = p.b;
      if (!isU32(a) || !isU32(b)) r = TeeResult.ERROR_BAD_FORMAT;
      out.push({ t: w.t, a: isU32(a) ? a : 0, b: isU32(b) ? b : 0, d: null, s: 0 });
      continue;
    }
    const data = p.data;
    if (!isBytes(data) || data.length > MAX_MEMREF_SIZE) {
      r = TeeResult.ERROR_BAD_FORMAT;
      out.push({ t: w.t, a: 0, b: 0, d: null, s: 0 });
      continue;
    }
    const copy = new Uint8Array(data);
    if (copy.length > w.s) {
      if (r === TeeResult.SUCCESS) r = TeeResult.ERROR_SHORT_BUFFER;
      out.push({ t: w.t, a: 0, b: 0, d: new Uint8Array(0), s: copy.length });
      copy.fill(0);
      continue;
    }
    out.push({ t: w.t, a: 0, b: 0, d: copy, s: copy.length });
  }
  return { out, r };
}
