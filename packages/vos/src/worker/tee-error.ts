/**
 * What a TA sees of errors: `TeeError` (a GP TEE_Result as an exception, GP TEE Internal Core API
 * v1.3 §3.3 / OP-TEE `TEE_Result`) and the `TEE` constants object (result codes, parameter type
 * nibbles, TEE_PARAM_TYPES). Both are hardened and granted to every TA: they carry no authority.
 *
 * Syscalls only ever throw TeeError, never a host error object, so no Node-internal prototype
 * or message reaches a TA (SES README, caveats: meet guest objects on a clean stack).
 */
import { ParamType, packParamTypes, paramTypeAt, TeeOrigin, TeeResult, VosError } from '@openvse/protocol';
import { isEmvError } from '../keys/emv-lib.js';

export class TeeError extends Error {
  readonly code: number;
  constructor(code: number, message?: string) {
    super(typeof message === 'string' ? message.slice(0, 200) : 'TEE error');
    this.code = code >>> 0;
  }
  override get name(): string {
    return 'TeeError';
  }
}

/** Converts anything thrown inside a syscall into a TeeError with a safe message. */
export function toTeeError(e: unknown, fallback: number = TeeResult.ERROR_GENERIC): TeeError {
  if (e instanceof TeeError) return e;
  if (e instanceof VosError) return new TeeError(e.result, e.message);
  // Library argument errors (wrong data length, …): the TA passed something unusable.
  if (isEmvError(e)) return new TeeError(TeeResult.ERROR_BAD_PARAMETERS, 'bad argument for this algorithm');
  return new TeeError(fallback, 'operation failed');
}

export const TEE = {
  ...TeeResult,
  ORIGIN_API: TeeOrigin.API,
  ORIGIN_COMMS: TeeOrigin.COMMS,
  ORIGIN_TEE: TeeOrigin.TEE,
  ORIGIN_TRUSTED_APP: TeeOrigin.TRUSTED_APP,
  PARAM_TYPE_NONE: ParamType.NONE,
  PARAM_TYPE_VALUE_INPUT: ParamType.VALUE_INPUT,
  PARAM_TYPE_VALUE_OUTPUT: ParamType.VALUE_OUTPUT,
  PARAM_TYPE_VALUE_INOUT: ParamType.VALUE_INOUT,
  PARAM_TYPE_MEMREF_INPUT: ParamType.MEMREF_INPUT,
  PARAM_TYPE_MEMREF_OUTPUT: ParamType.MEMREF_OUTPUT,
  PARAM_TYPE_MEMREF_INOUT: ParamType.MEMREF_INOUT,
  PARAM_TYPES: (t0: number, t1 = 0, t2 = 0, t3 = 0) => packParamTypes(t0, t1, t2, t3),
  PARAM_TYPE_GET: (types: number, i: number) => paramTypeAt(types, i),
};
