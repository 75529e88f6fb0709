/**
 * Transaction outcomes (EMV Contactless Book A §6.2 "Outcome" and Book B §3.5: Approved,
 * Declined, Online Request, Try Again, End Application; "See Phone" is the Book A user
 * interface message the two-tap flows of Books C-2 and C-3 end with, surfaced here as its own
 * outcome type so a POS can show it and wait for the second tap).
 *
 * `runTransaction` always returns one of these, never throws: a malformed response, a wrong
 * status word or a missing mandatory data object is END_APPLICATION with a reason code from
 * TerminalErrorCode; a transport failure (card gone mid-transaction) is TRY_AGAIN.
 */
import type { KernelId } from '../config/terminal-config.js';
import type { TerminalErrorCode } from '../errors.js';
import type { ApduTrace } from '../trace/apdu-trace.js';

/** The outcome types (Book A §6.2), plus SEE_PHONE for the two-tap flows. */
export type OutcomeType =
  | 'ONLINE_REQUEST'
  | 'DECLINED'
  | 'END_APPLICATION'
  | 'TRY_AGAIN'
  | 'SEE_PHONE'
  | 'APPROVED';

/** Why a transaction ended as it did: a {@link TerminalErrorCode} with a message and details. */
export interface OutcomeReason {
  code: TerminalErrorCode;
  message: string;
  details?: Readonly<Record<string, string | number>>;
}

/** The cardholder verification the reader ended with (Book C-2 §7.5, Book C-3 §5.6). */
export type CvmPerformed = 'NO_CVM' | 'CDCVM' | 'SIGNATURE' | 'ONLINE_PIN' | 'FAILED';

/** The cryptogram the card produced (Book 3 §6.5.5). */
export type CryptogramType = 'AAC' | 'TC' | 'ARQC';

/** What one transaction produced: outcome type, cardholder data, chip data, trace. */
export interface Outcome {
  type: OutcomeType;
  /** Kernel that ran (Book B kernel identifier), null when Entry Point stopped first. */
  kernel: KernelId | null;
  reason?: OutcomeReason;
  /** Field-55-style BER-TLV of the chip data for the authorisation / clearing message. */
  chipData?: Uint8Array;
  /** Application PAN (5A) or, when absent, the PAN from the Track 2 Equivalent Data. */
  pan?: string;
  /** 5F34, two digits. */
  panSequence?: string;
  /** 57 as hex (the 'D' separator shows as D). */
  track2?: string;
  /** YYMMDD from 5F24, or YYMM from the Track 2 Equivalent Data when 5F24 is absent. */
  expiry?: string;
  /** The selected application (ADF name, hex) and its label. */
  aid?: string;
  applicationLabel?: string;
  cryptogramType?: CryptogramType;
  cvm?: CvmPerformed;
  /** 95 as sent to the card with the cryptogram request (hex). */
  tvr?: string;
  /** Every data object the terminal ended with; for a tag both sides have, the terminal's value. */
  data: ReadonlyMap<string, Uint8Array>;
  trace: ApduTrace;
}
