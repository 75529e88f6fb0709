/**
 * The acquirer's authorization route (docs/server-api.md "Authorizations"): a terminal's
 * online request with the chip data it read, and the issuer's answer.
 */

/** APPROVE or DECLINE. */
export type Decision = 'APPROVE' | 'DECLINE';

/** `POST /v1/authorizations` body. */
export interface AuthorizationRequest {
  /** Makes retries safe: the same key and body get the first answer again. */
  idempotencyKey: string;
  tokenPan?: string;
  pan?: string;
  panSequence?: string;
  /** Field-55-like BER-TLV chip data, hex. */
  chipData: string;
  /** Minor units. */
  amount: number;
  /** ISO 4217 numeric, 3 digits. */
  currency: string;
  terminalId?: string;
  merchantId?: string;
}

/** The answer to an authorization. */
export interface AuthorizationResponse {
  authorizationId: string;
  decision: Decision;
  /** 'APPROVED' or the stable decline reason. */
  reason: string;
  /** All reasons (risk engine reasons included). */
  reasons: string[];
  /** ISO 8583 response code: '00' approved, '05' declined. */
  responseCode: string;
  atc?: number;
  cvn?: string;
  /** ARPC (hex), when the ARQC was valid. */
  arpc?: string;
  /** Tag 91 value (hex): ARPC ‖ ARC (method 1) or ARPC ‖ CSU (method 2). */
  issuerAuthenticationData?: string;
}

/** Stable decline reasons (append only). */
export const DeclineReason = {
  UNKNOWN_TOKEN: 'UNKNOWN_TOKEN',
  TOKEN_SUSPENDED: 'TOKEN_SUSPENDED',
  TOKEN_DELETED: 'TOKEN_DELETED',
  CARD_EXPIRED: 'CARD_EXPIRED',
  CHIP_DATA_INVALID: 'CHIP_DATA_INVALID',
  AMOUNT_MISMATCH: 'AMOUNT_MISMATCH',
  CURRENCY_MISMATCH: 'CURRENCY_MISMATCH',
  PSN_MISMATCH: 'PSN_MISMATCH',
  CVN_UNSUPPORTED: 'CVN_UNSUPPORTED',
  CARD_AAC: 'CARD_AAC',
  CRYPTOGRAM_INVALID: 'CRYPTOGRAM_INVALID',
  WRONG_MOBILE_PIN: 'WRONG_MOBILE_PIN',
  ATC_REPLAY: 'ATC_REPLAY',
  ATC_OUT_OF_WINDOW: 'ATC_OUT_OF_WINDOW',
  ATC_NOT_ISSUED: 'ATC_NOT_ISSUED',
  CREDENTIAL_DISCARDED: 'CREDENTIAL_DISCARDED',
  LUK_UNKNOWN: 'LUK_UNKNOWN',
  LUK_RETIRED: 'LUK_RETIRED',
  LUK_THRESHOLD: 'LUK_THRESHOLD',
  RISK_DECLINE: 'RISK_DECLINE',
  /**
   * A cloud card's payment above its CVM limit (or a tap claiming CDCVM) whose cardholder
   * verification the issuer could not check: no mobile PIN on the card, or none in the cryptogram.
   */
  CDCVM_UNVERIFIED: 'CDCVM_UNVERIFIED',
} as const;
/** One of the {@link DeclineReason} values. */
export type DeclineReason = (typeof DeclineReason)[keyof typeof DeclineReason];
