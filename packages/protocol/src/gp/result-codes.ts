/**
 * GlobalPlatform TEE result codes and return origins (GP TEE Client API Specification v1.0
 * §4.4.2–§4.4.3, TEE Internal Core API v1.3 §3.3). V-OS, its TAs and their callers speak these at
 * every boundary so that a reader who knows OP-TEE recognises each answer. Defined here once:
 * V-OS re-exports them, the CBP TA answers them, the SDK maps them.
 */

/** TEE_Result values (u32). */
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
/** One of the {@link TeeResult} values. */
export type TeeResult = (typeof TeeResult)[keyof typeof TeeResult];

/** Where an error came from (TEEC_ORIGIN_*, GP Client API §4.4.3). */
export const TeeOrigin = {
  API: 1,
  COMMS: 2,
  TEE: 3,
  TRUSTED_APP: 4,
} as const;
/** One of the {@link TeeOrigin} values. */
export type TeeOrigin = (typeof TeeOrigin)[keyof typeof TeeOrigin];

const NAMES = new Map<number, string>(Object.entries(TeeResult).map(([k, v]) => [v, `TEE_${k}`]));

/** `TEE_ERROR_BAD_PARAMETERS` for 0xFFFF0006, or the 8-digit hex value for a code GP does not name. */
export function teeResultName(code: number): string {
  return NAMES.get(code) ?? `0x${(code >>> 0).toString(16).toUpperCase().padStart(8, '0')}`;
}
