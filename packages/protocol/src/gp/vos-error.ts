/**
 * The one error type that crosses the V-OS boundary (GP TEE Client API v1.0 §4.4: a result code
 * and its origin). Defined in the wire contract so that V-OS, the attestation verifier and the
 * callers share one class: `instanceof VosError` holds wherever the error was made.
 */
import { TeeOrigin, teeResultName } from './result-codes.js';

/** A GP result and origin with a message that never contains secret bytes. */
export class VosError extends Error {
  /** The TEE_Result (u32). */
  readonly result: number;
  /** Where it came from (TEEC_ORIGIN_*). */
  readonly origin: TeeOrigin;
  /** Stable string form of `result`, e.g. `TEE_ERROR_CORRUPT_OBJECT`. */
  readonly code: string;
  constructor(result: number, message: string, origin: TeeOrigin = TeeOrigin.TEE) {
    super(message);
    this.name = 'VosError';
    this.result = result >>> 0;
    this.origin = origin;
    this.code = teeResultName(this.result);
  }
}
