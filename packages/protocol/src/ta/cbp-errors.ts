/**
 * Failures of the CBP TA and how each crosses the V-OS boundary (docs/cbp-protocol.md §4 "As
 * implemented"). Only a u32 crosses (a GP TEE result), so every code maps to exactly one result
 * and back: GP codes where GP has the meaning (TEE Internal Core API v1.3 §3.3), TA-specific
 * codes 0xCB00000x for the message checks a caller must tell apart (audience, replay, expiry,
 * rejected content).
 */
import { TeeResult } from '../gp/result-codes.js';

/** Stable error codes of the CBP TA (append only; never rename). */
export const CbpErrorCode = {
  /** A command argument has the wrong type, size or syntax. */
  BAD_PARAMETERS: 'ERR_BAD_PARAMETERS',
  /** ENROLL has not run yet (no TA keys, no pinned server key). */
  NOT_ENROLLED: 'ERR_NOT_ENROLLED',
  /** ENROLL with another server key while cards are provisioned (WIPE '*' first). */
  ENROLLED_ELSEWHERE: 'ERR_ENROLLED_ELSEWHERE',
  /** The JWE does not decrypt, the JWS does not verify, or a header/claim is malformed. */
  MESSAGE_INVALID: 'ERR_MESSAGE_INVALID',
  /** `aud` is not this device. */
  AUDIENCE: 'ERR_AUDIENCE',
  /** `seq` is not above the last applied one. */
  REPLAY: 'ERR_REPLAY',
  /** `exp` is more than 60 s in the past. */
  EXPIRED: 'ERR_EXPIRED',
  /** The message is authentic but its content cannot be applied (bad profile, wrong card, ...). */
  MESSAGE_REJECTED: 'ERR_MESSAGE_REJECTED',
  /** No such card on this device. */
  UNKNOWN_CARD: 'ERR_UNKNOWN_CARD',
  /** REPLENISH_REQUEST for a profile V card without a LUK. */
  NO_CREDENTIALS: 'ERR_NO_CREDENTIALS',
  /** CDCVM for a card that has no mobile PIN (it has no cardholder verification; docs/cdcvm.md). */
  NO_MOBILE_PIN: 'ERR_NO_MOBILE_PIN',
  /** The card's ATC reached 0xFFFF. */
  ATC_EXHAUSTED: 'ERR_ATC_EXHAUSTED',
  /** Sealed state does not parse: tampered with or written by something else. */
  CORRUPT_STATE: 'ERR_CORRUPT_STATE',
  /** Anything else (a platform failure). */
  INTERNAL: 'ERR_INTERNAL',
} as const;
/** One of the {@link CbpErrorCode} values. */
export type CbpErrorCode = (typeof CbpErrorCode)[keyof typeof CbpErrorCode];

/** A failure of the CBP TA (its core, its message parsers), with a stable code. */
export class CbpError extends Error {
  readonly code: CbpErrorCode;
  constructor(code: CbpErrorCode, message?: string) {
    super(message ?? code);
    this.name = 'CbpError';
    this.code = code;
  }
}

/** True for a {@link CbpError}. */
export function isCbpError(e: unknown): e is CbpError {
  return e instanceof CbpError;
}

/** TA-specific TEE results of the CBP TA (the 0xCB00000x range no GP code uses). */
export const CbpTeeResult = {
  /** `aud` is not this device. */
  AUDIENCE: 0xcb000001,
  /** Replayed or out-of-order `seq`. */
  REPLAY: 0xcb000002,
  /** Expired message. */
  EXPIRED: 0xcb000003,
  /** Authentic message whose content cannot be applied. */
  MESSAGE_REJECTED: 0xcb000004,
  /** CDCVM for a card without a mobile PIN. */
  NO_MOBILE_PIN: 0xcb000005,
} as const;

const TO_TEE: Readonly<Record<CbpErrorCode, number>> = {
  ERR_BAD_PARAMETERS: TeeResult.ERROR_BAD_PARAMETERS,
  ERR_NOT_ENROLLED: TeeResult.ERROR_BAD_STATE,
  ERR_ENROLLED_ELSEWHERE: TeeResult.ERROR_ACCESS_DENIED,
  ERR_MESSAGE_INVALID: TeeResult.ERROR_SECURITY,
  ERR_AUDIENCE: CbpTeeResult.AUDIENCE,
  ERR_REPLAY: CbpTeeResult.REPLAY,
  ERR_EXPIRED: CbpTeeResult.EXPIRED,
  ERR_MESSAGE_REJECTED: CbpTeeResult.MESSAGE_REJECTED,
  ERR_UNKNOWN_CARD: TeeResult.ERROR_ITEM_NOT_FOUND,
  ERR_NO_CREDENTIALS: TeeResult.ERROR_NO_DATA,
  ERR_NO_MOBILE_PIN: CbpTeeResult.NO_MOBILE_PIN,
  ERR_ATC_EXHAUSTED: TeeResult.ERROR_OVERFLOW,
  ERR_CORRUPT_STATE: TeeResult.ERROR_CORRUPT_OBJECT,
  ERR_INTERNAL: TeeResult.ERROR_GENERIC,
};

const FROM_TEE = new Map<number, CbpErrorCode>(
  Object.entries(TO_TEE).map(([k, v]) => [v, k as CbpErrorCode]),
);

/** The GP result the TA answers for a {@link CbpErrorCode}. */
export function cbpErrorToTeeResult(code: CbpErrorCode): number {
  return TO_TEE[code] ?? TeeResult.ERROR_GENERIC;
}

/** The {@link CbpErrorCode} behind a TA result (ERR_INTERNAL for any other result). */
export function teeResultToCbpErrorCode(result: number): CbpErrorCode {
  return FROM_TEE.get(result >>> 0) ?? CbpErrorCode.INTERNAL;
}
