/**
 * The CBP TA's entry points inside V-OS (docs/cbp-protocol.md §4; GP TEE Internal Core API v1.3
 * §4.9 TA_CreateEntryPoint / TA_OpenSessionEntryPoint / TA_InvokeCommandEntryPoint, in the manner
 * of OP-TEE's TAs: every command checks its exact parameter types first and answers
 * TEE_ERROR_BAD_PARAMETERS otherwise). This module is bundled (scripts/build-ta.mjs, bundle.ts)
 * into an IIFE whose exports the top-level `TA_*` functions of the script call.
 *
 * The parameter layout of every command is protocol's `CbpParamTypes` (packages/protocol
 * src/ta/cbp-ta.ts, where the table of commands and parameters is). Errors: a CbpError crosses as
 * protocol's `cbpErrorToTeeResult`; a syscall's TeeError passes through with its GP code.
 */
import { utf8Encode } from '@openvse/emv/codec';
import { CbpCommand, CbpError, CbpParamTypes, cbpErrorToTeeResult, TeeResult } from '@openvse/protocol';
import { jsonBytes, parseJsonBytes, utf8OrUndefined } from '../core/codec.js';
import { type CbpCore, createCbpCore } from '../core/create-core.js';
import { DEFAULT_RESERVE } from '../core/reservation.js';
import { createVosPlatform, type VosSyscalls } from './vos-platform.js';

/** One GP parameter as V-OS hands it to the TA: a memref's `data`, or a value's `a` and `b`. */
interface TaParam {
  type?: string;
  data?: Uint8Array;
  a?: number;
  b?: number;
}

const g = globalThis as unknown as VosSyscalls & Record<string, unknown>;
let core: CbpCore | undefined;

/** Parameters of the wrong type, size or encoding: TEE_ERROR_BAD_PARAMETERS. */
class BadParams extends Error {}

function text(p: TaParam | undefined, max: number): string {
  const d = p?.data;
  if (!(d instanceof Uint8Array) || d.length === 0 || d.length > max) throw new BadParams();
  const s = utf8OrUndefined(d);
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
  // Taps run on sealed reservations, written behind the answer (docs/cbp-protocol.md §4).
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
    { reserve: DEFAULT_RESERVE },
  );
  return core;
}

async function run(cmd: number, params: TaParam[], t: number): Promise<number> {
  const c = getCore();
  const expect = (command: keyof typeof CbpCommand) => {
    if (t !== CbpParamTypes[command]) throw new BadParams();
  };
  switch (cmd) {
    case CbpCommand.ENROLL: {
      expect('ENROLL');
      const req = jsonObject(params[0], 8192);
      const jws = await c.enroll({
        nonce: req.nonce as string,
        serverSigningJwk: req.serverSigningJwk as never,
      });
      params[1]!.data = utf8Encode(jws);
      return TeeResult.SUCCESS;
    }
    case CbpCommand.PROCESS_MESSAGE: {
      expect('PROCESS_MESSAGE');
      const r = await c.processMessage(text(params[0], 256 * 1024));
      params[1]!.data = jsonBytes(r);
      return TeeResult.SUCCESS;
    }
    case CbpCommand.GPO_V: {
      expect('GPO_V');
      const req = jsonObject(params[0], 1024);
      const r = await c.gpoV(req.cardId as string, bytes(params[1]));
      params[2]!.a = r.reason;
      params[2]!.b = r.atc;
      params[3]!.data = r.elements;
      return TeeResult.SUCCESS;
    }
    case CbpCommand.GENAC_M: {
      expect('GENAC_M');
      const req = jsonObject(params[0], 1024);
      const pin = req.mobilePin;
      if (pin !== undefined && typeof pin !== 'string') throw new BadParams();
      const r = await c.generateAcM(req.cardId as string, params[2]!.a as number, bytes(params[1]), pin);
      params[2]!.a = r.reason;
      params[2]!.b = r.atc;
      params[3]!.data = r.elements;
      return TeeResult.SUCCESS;
    }
    case CbpCommand.STATUS: {
      expect('STATUS');
      params[1]!.data = utf8Encode(await c.status(text(params[0], 512)));
      return TeeResult.SUCCESS;
    }
    case CbpCommand.REPLENISH_REQUEST: {
      expect('REPLENISH_REQUEST');
      params[1]!.data = utf8Encode(await c.replenishRequest(text(params[0], 64)));
      return TeeResult.SUCCESS;
    }
    case CbpCommand.CARD_INFO: {
      expect('CARD_INFO');
      params[0]!.data = jsonBytes(await c.cardInfo());
      return TeeResult.SUCCESS;
    }
    case CbpCommand.WIPE: {
      expect('WIPE');
      await c.wipe(text(params[0], 64));
      return TeeResult.SUCCESS;
    }
    case CbpCommand.CDCVM: {
      // `{cardId, mobilePin}` or `{forget: true}`, nothing else: a bare "verified" flag is gone.
      expect('CDCVM');
      const req = jsonObject(params[0], 1024);
      const keys = Object.keys(req).sort().join(',');
      if (keys === 'forget' && req.forget === true) await c.forgetCardholderVerification();
      else if (keys === 'cardId,mobilePin')
        await c.verifyCardholder(req.cardId as string, req.mobilePin as string);
      else throw new BadParams();
      return TeeResult.SUCCESS;
    }
    default:
      return TeeResult.ERROR_NOT_SUPPORTED;
  }
}

/** TA_CreateEntryPoint: a fresh instance (the core is made on the first command). */
export function create(): void {
  core = undefined;
}

/** TA_OpenSessionEntryPoint: sessions carry no state of their own. */
export function open(): Record<string, never> {
  return {};
}

/** TA_InvokeCommandEntryPoint: one command, answered with a GP TEE result. */
export async function invoke(_session: unknown, cmd: number, params: TaParam[], t: number): Promise<number> {
  try {
    return await run(cmd, params, t);
  } catch (e) {
    if (e instanceof BadParams) return TeeResult.ERROR_BAD_PARAMETERS;
    if (e instanceof CbpError) return cbpErrorToTeeResult(e.code);
    throw e; // a syscall TeeError keeps its GP code; anything else is TEE_ERROR_GENERIC
  }
}

/** TA_CloseSessionEntryPoint. */
export function close(): void {}

/**
 * TA_DestroyEntryPoint: the core seals its exact state (no tap reservation left to skip after a
 * clean stop), then it (its caches and CDCVM moment) is dropped.
 */
export async function destroy(): Promise<void> {
  const c = core;
  core = undefined;
  await c?.close?.().catch(() => undefined);
}
