/**
 * Typed errors for the EMV library.
 *
 * Every failure the library reports is an {@link EmvError} with a stable `code` (callers and
 * tests match on the code, never on the message). Parsers throw {@link EmvParseError}, which also
 * carries the byte `offset` at which the input stopped making sense. Messages never contain key
 * material: they name the argument, never its value.
 */

/** Stable error codes. Never renumber or rename: append. */
export const EmvErrorCode = {
  // --- encoding of inputs -------------------------------------------------------------------
  HEX_ODD_LENGTH: 'ERR_HEX_ODD_LENGTH',
  HEX_INVALID: 'ERR_HEX_INVALID',
  BAD_ARGUMENT: 'ERR_BAD_ARGUMENT',
  // --- BER-TLV (EMV Book 3 Annex B) ---------------------------------------------------------
  TLV_TRUNCATED: 'ERR_TLV_TRUNCATED',
  TLV_TAG_TOO_LONG: 'ERR_TLV_TAG_TOO_LONG',
  TLV_INDEFINITE_LENGTH: 'ERR_TLV_INDEFINITE_LENGTH',
  TLV_LENGTH_TOO_LONG: 'ERR_TLV_LENGTH_TOO_LONG',
  TLV_LENGTH_OVERRUN: 'ERR_TLV_LENGTH_OVERRUN',
  TLV_TRAILING_DATA: 'ERR_TLV_TRAILING_DATA',
  TLV_NESTING_TOO_DEEP: 'ERR_TLV_NESTING_TOO_DEEP',
  TLV_BAD_TAG: 'ERR_TLV_BAD_TAG',
  // --- DOL (EMV Book 3 §5.4) ----------------------------------------------------------------
  DOL_TRUNCATED: 'ERR_DOL_TRUNCATED',
  DOL_BAD_ENTRY: 'ERR_DOL_BAD_ENTRY',
  // --- APDU (ISO/IEC 7816-4 §5) -------------------------------------------------------------
  APDU_TOO_SHORT: 'ERR_APDU_TOO_SHORT',
  APDU_BAD_LENGTH: 'ERR_APDU_BAD_LENGTH',
  APDU_EXTENDED_UNSUPPORTED: 'ERR_APDU_EXTENDED_UNSUPPORTED',
  APDU_BAD_FIELD: 'ERR_APDU_BAD_FIELD',
  // --- cryptography (EMV Book 2, ISO/IEC 9797-1) --------------------------------------------
  KEY_LENGTH: 'ERR_KEY_LENGTH',
  DATA_LENGTH: 'ERR_DATA_LENGTH',
  PAN_INVALID: 'ERR_PAN_INVALID',
  PSN_INVALID: 'ERR_PSN_INVALID',
  ATC_INVALID: 'ERR_ATC_INVALID',
  PADDING_METHOD: 'ERR_PADDING_METHOD',
  UNSUPPORTED_CVN: 'ERR_UNSUPPORTED_CVN',
  // --- conformance vectors ------------------------------------------------------------------
  VECTOR_FILE_INVALID: 'ERR_VECTOR_FILE_INVALID',
  VECTOR_UNKNOWN_CATEGORY: 'ERR_VECTOR_UNKNOWN_CATEGORY',
  // --- cryptography, appended (crypto/keys/cryptogram/cvn) ---------------------------------
  IV_LENGTH: 'ERR_IV_LENGTH',
  PADDING_INVALID: 'ERR_PADDING_INVALID',
  IAD_INVALID: 'ERR_IAD_INVALID',
  API_INVALID: 'ERR_API_INVALID',
  PIN_INVALID: 'ERR_PIN_INVALID',
  // --- codecs, appended ---------------------------------------------------------------------
  BASE64URL_INVALID: 'ERR_BASE64URL_INVALID',
  UTF8_INVALID: 'ERR_UTF8_INVALID',
  // --- crypto backends, appended (crypto/backend.ts) ----------------------------------------
  /** No crypto backend: neither a Node entry point's default nor `setCryptoBackend` chose one. */
  CRYPTO_BACKEND_MISSING: 'ERR_CRYPTO_BACKEND_MISSING',
  /** `setCryptoBackend` got something that is not a backend, or a backend answered wrongly. */
  CRYPTO_BACKEND_INVALID: 'ERR_CRYPTO_BACKEND_INVALID',
} as const;

/** One of the stable `ERR_…` strings of the {@link EmvErrorCode} table. */
export type EmvErrorCode = (typeof EmvErrorCode)[keyof typeof EmvErrorCode];

/**
 * The error every function of this library throws, with a stable `ERR_…` {@link EmvErrorCode};
 * parsers throw the subclass {@link EmvParseError}. Messages name the argument, never its value.
 */
export class EmvError extends Error {
  /** The stable error code: match on it, never on the message. */
  readonly code: EmvErrorCode;
  constructor(code: EmvErrorCode, message: string) {
    super(message);
    this.name = 'EmvError';
    this.code = code;
  }
}

/** A parser rejected its input; `offset` is the byte index where decoding failed. */
export class EmvParseError extends EmvError {
  readonly offset: number;
  constructor(code: EmvErrorCode, message: string, offset: number) {
    super(code, `${message} (at offset ${offset})`);
    this.name = 'EmvParseError';
    this.offset = offset;
  }
}

/** True when `e` is an {@link EmvError} of this copy of the library, {@link EmvParseError} included. */
export function isEmvError(e: unknown): e is EmvError {
  return e instanceof EmvError;
}
