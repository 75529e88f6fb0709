/**
 * Why GPO_V / GENAC_M answered as they did (docs/cbp-protocol.md §4, value out `a`). These are
 * answers, not errors: a declined tap still returns an AAC made with a random key.
 */

/** Stable reason codes of the cryptogram commands (append only). */
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
/** One of the {@link ReasonCode} values. */
export type ReasonCode = (typeof ReasonCode)[keyof typeof ReasonCode];
