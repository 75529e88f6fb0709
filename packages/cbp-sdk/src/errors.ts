/**
 * Typed errors of the CBP SDK (docs/design.md "Errors": stable codes). Provider failures keep
 * the GP TEE result code they came from (docs/cbp-protocol.md §4), server failures the
 * server's stable error code (docs/server-api.md "Errors").
 */
import { CbpErrorCode, CbpTeeResult, TeeResult } from '@openvse/protocol';

/** Stable error codes of the CBP SDK (append only; never rename). */
export const SdkErrorCode = {
  BAD_ARGUMENT: 'ERR_SDK_BAD_ARGUMENT',
  /** The provider refused the parameters (TEE_ERROR_BAD_PARAMETERS). */
  PROVIDER_BAD_PARAMETERS: 'ERR_SDK_PROVIDER_BAD_PARAMETERS',
  /** The card id is unknown to the TA (TEE_ERROR_ITEM_NOT_FOUND). */
  UNKNOWN_CARD: 'ERR_SDK_UNKNOWN_CARD',
  /** A server message was refused (signature, audience, replay, expiry: TEE_ERROR_SECURITY / MAC_INVALID). */
  MESSAGE_REJECTED: 'ERR_SDK_MESSAGE_REJECTED',
  /** The TA refused the operation by policy (TEE_ERROR_ACCESS_DENIED, e.g. payments blocked). */
  ACCESS_DENIED: 'ERR_SDK_ACCESS_DENIED',
  /** The TA's sealed state is corrupt (TEE_ERROR_CORRUPT_OBJECT). */
  STORAGE_CORRUPT: 'ERR_SDK_STORAGE_CORRUPT',
  /** The TA or V-OS is gone (TEE_ERROR_TARGET_DEAD, V-OS shut down). */
  PROVIDER_DEAD: 'ERR_SDK_PROVIDER_DEAD',
  /** The TA is not enrolled / in the wrong state (TEE_ERROR_BAD_STATE). */
  BAD_STATE: 'ERR_SDK_BAD_STATE',
  /** Any other provider failure. */
  PROVIDER_FAILED: 'ERR_SDK_PROVIDER_FAILED',
  /** The server could not be reached (network). */
  SERVER_UNREACHABLE: 'ERR_SDK_SERVER_UNREACHABLE',
  /** The server answered with an error body. */
  SERVER_REFUSED: 'ERR_SDK_SERVER_REFUSED',
  NOT_ENROLLED: 'ERR_SDK_NOT_ENROLLED',
  /** The message's `aud` is another device. */
  MESSAGE_AUDIENCE: 'ERR_SDK_MESSAGE_AUDIENCE',
  /** The message's `seq` was already applied (or is out of order). */
  MESSAGE_REPLAY: 'ERR_SDK_MESSAGE_REPLAY',
  /** The message expired. */
  MESSAGE_EXPIRED: 'ERR_SDK_MESSAGE_EXPIRED',
  /** No credentials to build the request from (REPLENISH_REQUEST without a LUK). */
  NO_CREDENTIALS: 'ERR_SDK_NO_CREDENTIALS',
  /** The card's ATC reached 0xFFFF. */
  ATC_EXHAUSTED: 'ERR_SDK_ATC_EXHAUSTED',
  /** CDCVM for a card that has no mobile PIN: it cannot verify its cardholder (docs/cdcvm.md). */
  NO_MOBILE_PIN: 'ERR_SDK_NO_MOBILE_PIN',
} as const;
/** One of the {@link SdkErrorCode} values. */
export type SdkErrorCode = (typeof SdkErrorCode)[keyof typeof SdkErrorCode];

/** A failure of the SDK, a provider or the server, with a stable {@link SdkErrorCode}. */
export class SdkError extends Error {
  readonly code: SdkErrorCode;
  /** GP TEE result (provider errors) or HTTP status (server errors), when known. */
  readonly result?: number;
  /** The server's stable error code (`ERR_…`) for SERVER_REFUSED. */
  readonly serverCode?: string;
  constructor(
    code: SdkErrorCode,
    message: string,
    extra: { result?: number; serverCode?: string; cause?: unknown } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'SdkError';
    this.code = code;
    if (extra.result !== undefined) this.result = extra.result;
    if (extra.serverCode !== undefined) this.serverCode = extra.serverCode;
  }
}

/** The CBP TA core's CbpError code (protocol's CbpErrorCode; packages/protocol/src/ta/cbp-errors.ts) → SDK error code. */
export function sdkCodeForCoreCode(code: string): SdkErrorCode {
  switch (code) {
    case CbpErrorCode.BAD_PARAMETERS:
      return SdkErrorCode.PROVIDER_BAD_PARAMETERS;
    case CbpErrorCode.NOT_ENROLLED:
      return SdkErrorCode.BAD_STATE;
    case CbpErrorCode.ENROLLED_ELSEWHERE:
      return SdkErrorCode.ACCESS_DENIED;
    case CbpErrorCode.MESSAGE_INVALID:
    case CbpErrorCode.MESSAGE_REJECTED:
      return SdkErrorCode.MESSAGE_REJECTED;
    case CbpErrorCode.AUDIENCE:
      return SdkErrorCode.MESSAGE_AUDIENCE;
    case CbpErrorCode.REPLAY:
      return SdkErrorCode.MESSAGE_REPLAY;
    case CbpErrorCode.EXPIRED:
      return SdkErrorCode.MESSAGE_EXPIRED;
    case CbpErrorCode.UNKNOWN_CARD:
      return SdkErrorCode.UNKNOWN_CARD;
    case CbpErrorCode.NO_CREDENTIALS:
      return SdkErrorCode.NO_CREDENTIALS;
    case CbpErrorCode.ATC_EXHAUSTED:
      return SdkErrorCode.ATC_EXHAUSTED;
    case CbpErrorCode.NO_MOBILE_PIN:
      return SdkErrorCode.NO_MOBILE_PIN;
    case CbpErrorCode.CORRUPT_STATE:
      return SdkErrorCode.STORAGE_CORRUPT;
    default:
      return SdkErrorCode.PROVIDER_FAILED;
  }
}

/**
 * GP TEE result code → SDK error code (docs/cbp-protocol.md §4): GP's TEE_Result values and the
 * CBP TA's own 0xCB00000x results (protocol's TeeResult and CbpTeeResult).
 */
export function sdkCodeForTeeResult(result: number): SdkErrorCode {
  switch (result >>> 0) {
    case TeeResult.ERROR_BAD_PARAMETERS:
      return SdkErrorCode.PROVIDER_BAD_PARAMETERS;
    case TeeResult.ERROR_ITEM_NOT_FOUND:
      return SdkErrorCode.UNKNOWN_CARD;
    case TeeResult.ERROR_SECURITY:
    case TeeResult.ERROR_MAC_INVALID:
    case TeeResult.ERROR_SIGNATURE_INVALID:
      return SdkErrorCode.MESSAGE_REJECTED;
    case TeeResult.ERROR_ACCESS_DENIED:
      return SdkErrorCode.ACCESS_DENIED;
    case TeeResult.ERROR_CORRUPT_OBJECT:
    case TeeResult.ERROR_CORRUPT_OBJECT_2:
      return SdkErrorCode.STORAGE_CORRUPT;
    case TeeResult.ERROR_TARGET_DEAD:
      return SdkErrorCode.PROVIDER_DEAD;
    case TeeResult.ERROR_BAD_STATE:
      return SdkErrorCode.BAD_STATE;
    case TeeResult.ERROR_NO_DATA:
      return SdkErrorCode.NO_CREDENTIALS;
    case TeeResult.ERROR_OVERFLOW:
      return SdkErrorCode.ATC_EXHAUSTED;
    case CbpTeeResult.AUDIENCE:
      return SdkErrorCode.MESSAGE_AUDIENCE;
    case CbpTeeResult.REPLAY:
      return SdkErrorCode.MESSAGE_REPLAY;
    case CbpTeeResult.EXPIRED:
      return SdkErrorCode.MESSAGE_EXPIRED;
    case CbpTeeResult.MESSAGE_REJECTED:
      return SdkErrorCode.MESSAGE_REJECTED;
    case CbpTeeResult.NO_MOBILE_PIN:
      return SdkErrorCode.NO_MOBILE_PIN;
    default:
      return SdkErrorCode.PROVIDER_FAILED;
  }
}

/** True for an {@link SdkError}. */
export function isSdkError(e: unknown): e is SdkError {
  return e instanceof SdkError;
}
