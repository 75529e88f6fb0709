/**
 * The V-OS process's check of every frame the app sends (docs/process-boundary.md "Channel"): the
 * app is the normal world, so a frame is untrusted input. Only the operations an app may ask for
 * pass (never ISOLATION, which only this process's own main thread sends), each with exactly the
 * fields of its kind and their types and sizes; anything else is answered
 * TEE_ERROR_BAD_PARAMETERS, origin COMMS. Parameters are checked again, field by field, by the
 * secure world (worker/ta-params.ts).
 */
import { MAX_PARAMS, ParamType } from '@openvse/protocol';
import { isRequestMethod, isRequestTarget, SHA256_B64U } from '../attestation/request-target.js';
import { MAX_MEMREF_SIZE, type WireParam } from '../gp/params.js';
import { Op, type Request } from '../worker/protocol.js';

/** Largest TA bundle an app may install. */
export const MAX_BUNDLE = 16 * 1024 * 1024;

const TYPES: ReadonlySet<number> = new Set(Object.values(ParamType));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const isU32 = (v: unknown): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isBytes = (v: unknown, max: number): v is Uint8Array => v instanceof Uint8Array && v.length <= max;

function keysAre(o: Record<string, unknown>, keys: string[]): boolean {
  const own = Object.keys(o);
  return own.length === keys.length && keys.every((k) => Object.hasOwn(o, k));
}

function wireParams(v: unknown): WireParam[] | null | undefined {
  if (v === null) return null;
  if (!Array.isArray(v) || v.length !== MAX_PARAMS) return undefined;
  const out: WireParam[] = [];
  for (const w of v) {
    if (!isObject(w) || !keysAre(w, ['t', 'a', 'b', 'd', 's'])) return undefined;
    if (
      !TYPES.has(w.t as number) ||
      !isU32(w.a) ||
      !isU32(w.b) ||
      !isU32(w.s) ||
      (w.s as number) > MAX_MEMREF_SIZE
    )
      return undefined;
    if (w.d !== null && !isBytes(w.d, MAX_MEMREF_SIZE)) return undefined;
    out.push({
      t: w.t as ParamType,
      a: w.a as number,
      b: w.b as number,
      d: w.d as Uint8Array | null,
      s: w.s as number,
    });
  }
  return out;
}

/** The request in an app frame, or undefined when the frame is not one an app may send. */
export function checkAppRequest(m: unknown): Request | undefined {
  if (!isObject(m) || !isU32(m.id) || m.id === 0 || !isU32(m.op)) return undefined;
  const id = m.id;
  switch (m.op) {
    case Op.OPEN:
      return keysAre(m, ['op', 'id', 'uuid']) && typeof m.uuid === 'string' && UUID.test(m.uuid)
        ? { op: Op.OPEN, id, uuid: m.uuid }
        : undefined;
    case Op.INVOKE: {
      if (!keysAre(m, ['op', 'id', 'sid', 'cmd', 'p']) || !isU32(m.sid) || !isU32(m.cmd)) return undefined;
      const p = wireParams(m.p);
      return p === undefined ? undefined : { op: Op.INVOKE, id, sid: m.sid, cmd: m.cmd, p };
    }
    case Op.CLOSE:
      return keysAre(m, ['op', 'id', 'sid']) && isU32(m.sid) ? { op: Op.CLOSE, id, sid: m.sid } : undefined;
    case Op.INSTALL:
      return keysAre(m, ['op', 'id', 'bundle']) && isBytes(m.bundle, MAX_BUNDLE) && m.bundle.length > 0
        ? { op: Op.INSTALL, id, bundle: m.bundle }
        : undefined;
    case Op.STATUS:
      return keysAre(m, ['op', 'id']) ? { op: Op.STATUS, id } : undefined;
    case Op.ATTEST:
      return keysAre(m, ['op', 'id', 'uuid', 'nonce']) &&
        typeof m.uuid === 'string' &&
        UUID.test(m.uuid) &&
        isBytes(m.nonce, 64) &&
        m.nonce.length >= 8
        ? { op: Op.ATTEST, id, uuid: m.uuid, nonce: m.nonce }
        : undefined;
    case Op.THREATS:
      return keysAre(m, ['op', 'id', 'flags']) &&
        Array.isArray(m.flags) &&
        m.flags.length <= 64 &&
        m.flags.every((f) => typeof f === 'string' && f.length > 0 && f.length <= 64)
        ? { op: Op.THREATS, id, flags: m.flags as string[] }
        : undefined;
    case Op.REPORT:
      return keysAre(m, ['op', 'id', 'kind', 'scan']) &&
        (m.kind === 'threat-report' || m.kind === 'heartbeat') &&
        (m.scan === null || (typeof m.scan === 'string' && m.scan.length <= 64 * 1024))
        ? { op: Op.REPORT, id, kind: m.kind, scan: m.scan as string | null }
        : undefined;
    case Op.REQUEST_PROOF:
      return keysAre(m, ['op', 'id', 'htm', 'htu', 'bd']) &&
        isRequestMethod(m.htm) &&
        isRequestTarget(m.htu) &&
        typeof m.bd === 'string' &&
        SHA256_B64U.test(m.bd)
        ? { op: Op.REQUEST_PROOF, id, htm: m.htm as string, htu: m.htu as string, bd: m.bd }
        : undefined;
    case Op.SHUTDOWN:
      return keysAre(m, ['op', 'id']) ? { op: Op.SHUTDOWN, id } : undefined;
    default:
      return undefined;
  }
}
