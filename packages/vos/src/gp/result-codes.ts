/**
 * GlobalPlatform TEE result codes and return origins (GP TEE Client API Specification v1.0 §4.4.2,
 * TEE Internal Core API v1.3 §3.3). V-OS speaks these at its boundary so that a reader who knows
 * OP-TEE recognises every answer.
 */

export const TeeResult = {
  SUCCESS: 0x00000000,
  ERROR_CORRUPT_OBJECT: 0xf0100001,
  ERROR_CORRUPT_OBJECT_2: 0xf0100002,
  ERROR_STORAGE_NOT_AVAILABLE: 0xf0100003,
  ERROR_GENERIC: 0xffff0000,
  ERROR_ACCESS_DENIED: 0xffff0001,
  ERROR_CANCEL: 0xffff0002,
  ERROR_ACCESS_CONFLICT: 0xffff0003,
  ERROR_EXCESS_DATA: 0xffff0004,
  ERROR_BAD_FORMAT: 0xffff0005,
  ERROR_BAD_PARAMETERS: 0xffff0006,
  ERROR_BAD_STATE: 0xffff0007,
  ERROR_ITEM_NOT_FOUND: 0xffff0008,
  ERROR_NOT_IMPLEMENTED: 0xffff0009,
  ERROR_NOT_SUPPORTED: 0xffff000a,
  ERROR_NO_DATA: 0xffff000b,
  ERROR_OUT_OF_MEMORY: 0xffff000c,
  ERROR_BUSY: 0xffff000d,
  ERROR_COMMUNICATION: 0xffff000e,
  ERROR_SECURITY: 0xffff000f,
  ERROR_SHORT_BUFFER: 0xffff0010,
  ERROR_EXTERNAL_CANCEL: 0xffff0011,
  ERROR_OVERFLOW: 0xffff300f,
  ERROR_TARGET_DEAD: 0xffff3024,
  ERROR_STORAGE_NO_SPACE: 0xffff3041,
  ERROR_MAC_INVALID: 0xffff3071,
  ERROR_SIGNATURE_INVALID: 0xffff3072,
  ERROR_TIME_NOT_SET: 0xffff5000,
  ERROR_TIME_NEEDS_RESET: 0xffff5001,
} as const;
export type TeeResult = (typeof TeeResult)[keyof typeof TeeResult];

/** Where an error came from (GP Client API §4.4.3). */
export const TeeOrigin = {
  API: 1,
  COMMS: 2,
  TEE: 3,
  TRUSTED_APP: 4,
} as const;
export type TeeOrigin = (typeof TeeOrigin)[keyof typeof TeeOrigin];

const NAMES = new Map<number, string>(Object.entries(TeeResult).map(([k, v]) => [v, `TEE_${k}`]));

/** `TEE_ERROR_BAD_PARAMETERS` for 0xFFFF0006, or the hex value for an unknown code. */
export function teeResultName(code: number): string {
  return NAMES.get(code) ?? `0x${(code >>> 0).toString(16).toUpperCase().padStart(8, '0')}`;
}

/**
 * The one error type V-OS throws across its boundary. It carries a GP result code and origin and
 * a message that never contains secret bytes.
 */
export class VosError extends Error {
  readonly result: number;
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
