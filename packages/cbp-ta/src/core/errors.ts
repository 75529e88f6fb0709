/**
 * Errors and reason codes of the CBP TA (docs/cbp-protocol.md §2 "TA check", §4 reason codes).
 *
 * - `ReasonCode`: the stable P2.a values of GPO_V / GENAC_M. They are answers, not errors.
 * - `CbpError`: every failure of the core, with a stable string `code`. At the V-OS boundary
 *   only a u32 crosses (GP TEE result), so each code maps to exactly one result
 *   (`cbpErrorToTeeResult`) and back (`teeResultToCbpErrorCode`): GP codes where GP has the
 *   meaning (TEE Internal Core API v1.3 §3.3), TA-specific codes 0xCB00000x for the message checks
 *   the SDK must tell apart (audience, replay, expiry).
 */

export const ReasonCode = {
  OK: 0,
  CARD_SUSPENDED: 1,
  NO_CREDENTIALS: 2,
  LUK_MAX_TRANSACTIONS: 3,
  LUK_EXPIRED: 4,
  LUK_MAX_AMOUNT: 5,
  CDCVM_REQUIRED: 6,
  PAYMENTS_BLOCKED: 7,
  UNKNOWN_CARD: 8,
} as const;
export type ReasonCode = (typeof ReasonCode)[keyof typeof ReasonCode];

export const CbpErrorCode = {
  /** A command argument has the wrong type, size or syntax. */
  BAD_PARAMETERS: 'BAD_PARAMETERS',
  /** ENROLL has not run yet (no TA keys, no pinned server key). */
  NOT_ENROLLED: 'NOT_ENROLLED',
  /** ENROLL with another server key while cards are provisioned (WIPE '*' first). */
  ENROLLED_ELSEWHERE: 'ENROLLED_ELSEWHERE',
  /** The JWE does not decrypt, the JWS does not verify, or a header/claim is malformed. */
  MESSAGE_INVALID: 'MESSAGE_INVALID',
  /** `aud` is not this device. */
  AUDIENCE: 'AUDIENCE',
  /** `seq` is not above the last applied one. */
  REPLAY: 'REPLAY',
  /** `exp` is more than 60 s in the past. */
  EXPIRED: 'EXPIRED',
  /** The message is authentic but its content cannot be applied (bad profile, wrong card, ...). */
  MESSAGE_REJECTED: 'MESSAGE_REJECTED',
  /** No such card on this device. */
  UNKNOWN_CARD: 'UNKNOWN_CARD',
  /** REPLENISH_REQUEST for a profile V card without a LUK. */
  NO_CREDENTIALS: 'NO_CREDENTIALS',
  /** The card's ATC reached 0xFFFF. */
  ATC_EXHAUSTED: 'ATC_EXHAUSTED',
  /** Sealed state does not parse: tampered with or written by something else. */
  CORRUPT_STATE: 'CORRUPT_STATE',
  /** Anything else (a platform failure). */
  INTERNAL: 'INTERNAL',
} as const;
export type CbpErrorCode = (typeof CbpErrorCode)[keyof typeof CbpErrorCode];

export class CbpError extends Error {
  readonly code: CbpErrorCode;
  constructor(code: CbpErrorCode, message?: string) {
    super(message ?? code);
    this.name = 'CbpError';
    this.code = code;
  }
}

export function isCbpError(e: unknown): e is CbpError {
  return e instanceof CbpError;
}

/** GP TEE result codes used at the TA boundary (values of GP TEE Internal Core API v1.3 §3.3). */
export const TeeCode = {
  SUCCESS: 0,
  ERROR_GENERIC: 0xffff0000,
  ERROR_ACCESS_DENIED: 0xffff0001,
  ERROR_BAD_FORMAT: 0xffff0005,
  ERROR_BAD_PARAMETERS: 0xffff0006,
  ERROR_BAD_STATE: 0xffff0007,
  ERROR_ITEM_NOT_FOUND: 0xffff0008,
  ERROR_NOT_SUPPORTED: 0xffff000a,
  ERROR_NO_DATA: 0xffff000b,
  ERROR_SECURITY: 0xffff000f,
  ERROR_SHORT_BUFFER: 0xffff0010,
  ERROR_OVERFLOW: 0xffff300f,
  ERROR_CORRUPT_OBJECT: 0xf0100001,
  /** TA-specific (CBP): `aud` is not this device. */
  CBP_AUDIENCE: 0xcb000001,
  /** TA-specific (CBP): replayed or out-of-order `seq`. */
  CBP_REPLAY: 0xcb000002,
  /** TA-specific (CBP): expired message. */
  CBP_EXPIRED: 0xcb000003,
  /** TA-specific (CBP): authentic message whose content cannot be applied. */
  CBP_MESSAGE_REJECTED: 0xcb000004,
} as const;

const TO_TEE: Record<CbpErrorCode, number> = {
  BAD_PARAMETERS: TeeCode.ERROR_BAD_PARAMETERS,
  NOT_ENROLLED: TeeCode.ERROR_BAD_STATE,
  ENROLLED_ELSEWHERE: TeeCode.ERROR_ACCESS_DENIED,
  MESSAGE_INVALID: TeeCode.ERROR_SECURITY,
  AUDIENCE: TeeCode.CBP_AUDIENCE,
  REPLAY: TeeCode.CBP_REPLAY,
  EXPIRED: TeeCode.CBP_EXPIRED,
  MESSAGE_REJECTED: TeeCode.CBP_MESSAGE_REJECTED,
  UNKNOWN_CARD: TeeCode.ERROR_ITEM_NOT_FOUND,
  NO_CREDENTIALS: TeeCode.ERROR_NO_DATA,
  ATC_EXHAUSTED: TeeCode.ERROR_OVERFLOW,
  CORRUPT_STATE: TeeCode.ERROR_CORRUPT_OBJECT,
  INTERNAL: TeeCode.ERROR_GENERIC,
};

const FROM_TEE = new Map<number, CbpErrorCode>(
  Object.entries(TO_TEE).map(([k, v]) => [v, k as CbpErrorCode]),
);

/** The GP result the TA answers for a CbpError code. */
export function cbpErrorToTeeResult(code: CbpErrorCode): number {
  return TO_TEE[code] ?? TeeCode.ERROR_GENERIC;
}

/** The CbpError code behind a TA result (INTERNAL for any other result). */
export function teeResultToCbpErrorCode(result: number): CbpErrorCode {
  return FROM_TEE.get(result >>> 0) ?? CbpErrorCode.INTERNAL;
}

export const bad = (message: string): CbpError => new CbpError(CbpErrorCode.BAD_PARAMETERS, message);
