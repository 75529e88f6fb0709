/**
 * EMV numeric data (EMV Book 3 Annex A and §4.3, format 'n'): decimal digits packed two per byte
 * (BCD), right-justified with leading zeros — amounts are n12 (6 bytes), dates YYMMDD n6, the
 * account parameters index goes in as BCD("0" ‖ API).
 */
import { EmvError, EmvErrorCode } from '../errors.js';
import { bytesToHex, hexToBytes } from './hex.js';

/** Packs an even-length string of decimal digits as BCD (two digits per byte). */
export function digitsToBcd(digits: string): Uint8Array {
  if (typeof digits !== 'string' || !/^[0-9]*$/.test(digits) || digits.length % 2 !== 0)
    throw new EmvError(EmvErrorCode.BAD_ARGUMENT, 'digits: expected an even number of decimal digits');
  return hexToBytes(digits);
}

/** The decimal digits of a BCD value, or undefined when a nibble is not 0-9. */
export function bcdToDigits(b: Uint8Array): string | undefined {
  const s = bytesToHex(b);
  return /^[0-9]*$/.test(s) ? s : undefined;
}

/** A non-negative integer as format n in `bytes` bytes (ERR_BAD_ARGUMENT when it does not fit). */
export function numberToBcd(value: number | bigint, bytes: number): Uint8Array {
  const digits = value.toString().padStart(bytes * 2, '0');
  if (digits.length > bytes * 2 || !/^[0-9]+$/.test(digits))
    throw new EmvError(EmvErrorCode.BAD_ARGUMENT, `value ${digits} does not fit n${bytes * 2}`);
  return hexToBytes(digits);
}

/** Format n as a number (safe up to n15), or undefined when a nibble is not 0-9. */
export function bcdToNumber(b: Uint8Array): number | undefined {
  const d = bcdToDigits(b);
  return d === undefined ? undefined : Number(d === '' ? '0' : d);
}

/** An amount in minor units as n12 (tags 9F02, 9F03): an integer 0..999 999 999 999. */
export function amountToN12(amount: number): Uint8Array {
  if (!Number.isInteger(amount) || amount < 0 || amount > 999_999_999_999)
    throw new EmvError(EmvErrorCode.BAD_ARGUMENT, 'amount: expected an integer 0..999999999999');
  return numberToBcd(amount, 6);
}
