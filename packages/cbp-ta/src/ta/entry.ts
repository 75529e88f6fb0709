/**
 * The CBP TA's entry points inside V-OS (docs/cbp-protocol.md §4; GP TEE Internal Core API v1.3
 * §4.9 TA_CreateEntryPoint / TA_OpenSessionEntryPoint / TA_InvokeCommandEntryPoint, in the manner
 * of OP-TEE's TAs: every command checks its exact parameter types first and answers
 * TEE_ERROR_BAD_PARAMETERS otherwise). This module is bundled (scripts/build-ta.mjs, bundle.ts)
 * into an IIFE whose exports the top-level `TA_*` functions of the script call.
 *
 * Params (GP nibbles): value in 1, value out 2, value inout 3, memref in 5, memref out 6.
 *   0x0001 ENROLL            [memref in JSON {nonce, serverSigningJwk}, memref out attestation JWS]
 *   0x0002 PROCESS_MESSAGE   [memref in compact JWE, memref out JSON {typ, cardId?, seq}]
 *   0x0010 GPO_V             [memref in JSON {cardId}, memref in PDOL data (33), value out a=reason b=ATC,
 *                             memref out data elements]
 *   0x0011 GENAC_M           [memref in JSON {cardId, mobilePin?}, memref in CDOL1 data,
 *                             value inout a=P1 → a=reason b=ATC, memref out data elements]
 *   0x0020 STATUS            [memref in nonce, memref out status JWS]
 *   0x0021 REPLENISH_REQUEST [memref in cardId, memref out replenish JWS]
 *   0x0022 CARD_INFO         [memref out JSON PublicCard[]]
 *   0x0030 WIPE              [memref in cardId or '*']
 *   0x0031 CDCVM             [value in a = 1 verified now, 0 forget]
 * Errors: CbpError codes → GP results (core/errors.ts); syscall TeeErrors pass through.
 */
import { CbpCommand } from '../commands.js';
import { fromUtf8, jsonBytes, parseJsonBytes, utf8 } from '../core/bytes.js';
import { type CbpCore, createCbpCore } from '../core/core.js';
import { CbpError, cbpErrorToTeeResult, TeeCode } from '../core/errors.js';
import { createVosPlatform, type VosSyscalls } from './vos-platform.js';

const VALUE_IN = 1;
const VALUE_OUT = 2;
const VALUE_INOUT = 3;
const MEMREF_IN = 5;
const MEMREF_OUT = 6;

interface TaParam {
  type?: string;
  data?: Uint8Array;
  a?: number;
  b?: number;
}

const g = globalThis as unknown as VosSyscalls & Record<string, unknown>;
let core: CbpCore | undefined;

function types(t0 = 0, t1 = 0, t2 = 0, t3 = 0): number {
  return (t0 | (t1 << 4) | (t2 << 8) | (t3 << 12)) >>> 0;
}

class BadParams extends Error {}

function text(p: TaParam | undefined, max: number): string {
  const d = p?.data;
  if (!(d instanceof Uint8Array) || d.length === 0 || d.length > max) throw new BadParams();
  const s = fromUtf8(d);
  if (s === undefined) throw new BadParams();
  return s;
}

function jsonObject(p: TaParam | undefined, max: number): Record<string, unknown> {
  const d = p?.data;
  if (!(d instanceof Uint8Array) || d.length === 0 || d.length > max) throw new BadParams();
  const v = parseJsonBytes(d);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new BadParams();
  return v as Record<string, unknown>;
}

function bytes(p: TaParam | undefined): Uint8Array {
  const d = p?.data;
  if (!(d instanceof Uint8Array)) throw new BadParams();
  return d;
}

function getCore(): CbpCore {
  core ??= createCbpCore(
    createVosPlatform({
      keys: g.keys,
      crypto: g.crypto,
      storage: g.storage,
      counter: g.counter,
      clock: g.clock,
      random: g.random,
      attest: g.attest,
      jose: g.jose,
      ...(g.threats ? { threats: g.threats as VosSyscalls['threats'] } : {}),
    }),
  );
  return core;
}

async function run(cmd: number, params: TaParam[], t: number): Promise<number> {
  const c = getCore();
  const expect = (...want: number[]) => {
    if (t !== types(...want)) throw new BadParams();
  };
  switch (cmd) {
    case CbpCommand.ENROLL: {
      expect(MEMREF_IN, MEMREF_OUT);
      const req = jsonObject(params[0], 8192);
      const jws = await c.enroll({
        nonce: req.nonce as string,
        serverSigningJwk: req.serverSigningJwk as never,
      });
      params[1]!.data = utf8(jws);
      return TeeCode.SUCCESS;
    }
    case CbpCommand.PROCESS_MESSAGE: {
      expect(MEMREF_IN, MEMREF_OUT);
      const r = await c.processMessage(text(params[0], 256 * 1024));
      params[1]!.data = jsonBytes(r);
      return TeeCode.SUCCESS;
    }
    case CbpCommand.GPO_V: {
      expect(MEMREF_IN, MEMREF_IN, VALUE_OUT, MEMREF_OUT);
      const req = jsonObject(params[0], 1024);
      const r = await c.gpoV(req.cardId as string, bytes(params[1]));
      params[2]!.a = r.reason;
      params[2]!.b = r.atc;
      params[3]!.data = r.elements;
      return TeeCode.SUCCESS;
    }
    case CbpCommand.GENAC_M: {
      expect(MEMREF_IN, MEMREF_IN, VALUE_INOUT, MEMREF_OUT);
      const req = jsonObject(params[0], 1024);
      const pin = req.mobilePin;
      if (pin !== undefined && typeof pin !== 'string') throw new BadParams();
      const r = await c.generateAcM(req.cardId as string, params[2]!.a as number, bytes(params[1]), pin);
      params[2]!.a = r.reason;
      params[2]!.b = r.atc;
      params[3]!.data = r.elements;
      return TeeCode.SUCCESS;
    }
    case CbpCommand.STATUS: {
      expect(MEMREF_IN, MEMREF_OUT);
      params[1]!.data = utf8(await c.status(text(params[0], 512)));
      return TeeCode.SUCCESS;
    }
    case CbpCommand.REPLENISH_REQUEST: {
      expect(MEMREF_IN, MEMREF_OUT);
      params[1]!.data = utf8(await c.replenishRequest(text(params[0], 64)));
      return TeeCode.SUCCESS;
    }
    case CbpCommand.CARD_INFO: {
      expect(MEMREF_OUT);
      params[0]!.data = jsonBytes(await c.cardInfo());
      return TeeCode.SUCCESS;
    }
    case CbpCommand.WIPE: {
      expect(MEMREF_IN);
      await c.wipe(text(params[0], 64));
      return TeeCode.SUCCESS;
    }
    case CbpCommand.CDCVM: {
      expect(VALUE_IN);
      const a = params[0]!.a;
      if (a !== 0 && a !== 1) throw new BadParams();
      await c.cdcvm(a === 1);
      return TeeCode.SUCCESS;
    }
    default:
      return TeeCode.ERROR_NOT_SUPPORTED;
  }
}

export function create(): void {
  core = undefined;
}

export function open(): Record<string, never> {
  return {};
}

export async function invoke(_session: unknown, cmd: number, params: TaParam[], t: number): Promise<number> {
  try {
    return await run(cmd, params, t);
  } catch (e) {
    if (e instanceof BadParams) return TeeCode.ERROR_BAD_PARAMETERS;
    if (e instanceof CbpError) return cbpErrorToTeeResult(e.code);
    throw e; // a syscall TeeError keeps its GP code; anything else is TEE_ERROR_GENERIC
  }
}

export function close(): void {}

export function destroy(): void {
  core = undefined;
}

export const VALUE_TYPES = { VALUE_IN, VALUE_OUT, VALUE_INOUT, MEMREF_IN, MEMREF_OUT };
