/**
 * Typed errors and stable reason codes for the POS terminal.
 *
 * One code list serves two purposes: a {@link TerminalError} thrown by the transports and the
 * PC/SC client (misuse, pcsc-lite failures, a card that went away), and the `reason.code` of a
 * transaction outcome (EMV Contactless Book A §6 "Outcomes", Book C-2 / C-3 "END APPLICATION"
 * causes). Callers and tests match on the code, never on the message. Append only.
 */

export const TerminalErrorCode = {
  // --- arguments and configuration --------------------------------------------------------
  BAD_ARGUMENT: 'ERR_TERMINAL_BAD_ARGUMENT',
  CONFIG_INVALID: 'ERR_TERMINAL_CONFIG_INVALID',
  // --- transport (ISO/IEC 7816-4 exchange, PC/SC part 5, vpcd) -----------------------------
  TRANSPORT_FAILED: 'ERR_TRANSPORT_FAILED',
  TRANSPORT_CLOSED: 'ERR_TRANSPORT_CLOSED',
  PCSC_UNAVAILABLE: 'ERR_PCSC_UNAVAILABLE',
  PCSC_ERROR: 'ERR_PCSC_ERROR',
  PCSC_NO_READERS: 'ERR_PCSC_NO_READERS',
  PCSC_READER_NOT_FOUND: 'ERR_PCSC_READER_NOT_FOUND',
  // --- card responses (Book B §3, Books C-2 / C-3) -----------------------------------------
  /** The status word was not the one the step needs (e.g. not 9000). */
  CARD_STATUS: 'ERR_CARD_STATUS',
  /** A response was not well-formed: too short, bad BER-TLV, wrong template. */
  CARD_DATA_MALFORMED: 'ERR_CARD_DATA_MALFORMED',
  /** A data object the kernel cannot do without is absent. */
  CARD_DATA_MISSING: 'ERR_CARD_DATA_MISSING',
  /** A data object is present but its value is not acceptable (length, format, consistency). */
  CARD_DATA_INVALID: 'ERR_CARD_DATA_INVALID',
  /** The same primitive data object came twice from the card (C-2 "redundant data"). */
  CARD_DATA_REDUNDANT: 'ERR_CARD_DATA_REDUNDANT',
  /** The Cryptogram Information Data is not an answer the request allows (Book 3 §9.3). */
  CARD_CID_INVALID: 'ERR_CARD_CID_INVALID',
  // --- entry point (Book B §3.3) -----------------------------------------------------------
  PPSE_NOT_AVAILABLE: 'ERR_PPSE_NOT_AVAILABLE',
  NO_SUPPORTED_APPLICATION: 'ERR_NO_SUPPORTED_APPLICATION',
  CONTACTLESS_LIMIT_EXCEEDED: 'ERR_CONTACTLESS_LIMIT_EXCEEDED',
  // --- outcome reasons that are not errors -------------------------------------------------
  /** The card (or the reader's CVM processing) wants verification on the phone first. */
  CDCVM_REQUIRED: 'CDCVM_REQUIRED',
  /** The card answered with an AAC. */
  CARD_DECLINED: 'CARD_DECLINED',
  /** Cardholder verification was required and no method both sides support is left. */
  CVM_FAILED: 'CVM_FAILED',
  /** The card asked for an offline approval the reader cannot grant (no ODA in this reader). */
  OFFLINE_APPROVAL_UNSUPPORTED: 'OFFLINE_APPROVAL_UNSUPPORTED',
  /** An unexpected failure inside the terminal itself (a bug); the outcome still comes back. */
  INTERNAL: 'ERR_TERMINAL_INTERNAL',
} as const;

export type TerminalErrorCode = (typeof TerminalErrorCode)[keyof typeof TerminalErrorCode];

/** A failure of the terminal, its transports or the PC/SC client, with a stable code. */
export class TerminalError extends Error {
  readonly code: TerminalErrorCode;
  /** Extra facts for logs and tests (never key material): SW, tag, PC/SC error name, … */
  readonly details: Readonly<Record<string, string | number>>;
  constructor(
    code: TerminalErrorCode,
    message: string,
    details: Record<string, string | number> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TerminalError';
    this.code = code;
    this.details = Object.freeze({ ...details });
  }
}

/** True for a {@link TerminalError}. */
export function isTerminalError(e: unknown): e is TerminalError {
  return e instanceof TerminalError;
}
