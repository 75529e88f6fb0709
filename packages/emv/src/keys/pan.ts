/**
 * PAN and PAN Sequence Number checks and the decimal/BCD helpers used by ICC master key
 * derivation (EMV Book 2 Annex A1.4). PANs are 12 to 19 decimal digits (ISO/IEC 7812-1);
 * the PSN (tag 5F34) is 2 decimal digits, "00" when the card has none.
 */
import { EmvError, EmvErrorCode } from '../errors.js';

const DIGITS_RE = /^[0-9]+$/;

/** Validates a PAN: a string of 12 to 19 decimal digits (ERR_PAN_INVALID otherwise). */
export function normalizePan(pan: unknown): string {
  if (typeof pan !== 'string' || !DIGITS_RE.test(pan))
    throw new EmvError(EmvErrorCode.PAN_INVALID, 'pan: expected a string of decimal digits');
  if (pan.length < 12 || pan.length > 19)
    throw new EmvError(EmvErrorCode.PAN_INVALID, `pan: expected 12 to 19 digits, got ${pan.length}`);
  return pan;
}

/** Validates a PSN: two decimal digits; null/undefined means absent and gives "00". */
export function normalizePsn(psn: unknown): string {
  if (psn === null || psn === undefined) return '00';
  if (typeof psn !== 'string' || !/^[0-9]{2}$/.test(psn))
    throw new EmvError(EmvErrorCode.PSN_INVALID, 'psn: expected two decimal digits, or null when absent');
  return psn;
}
