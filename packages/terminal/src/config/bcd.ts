/**
 * The terminal's numeric data elements (EMV Book 3 §4.3 and Annex A, format 'n': BCD, right
 * justified, leading zeros): amounts in minor units checked against n12 (9F02/9F03), the date
 * YYMMDD (9A) and time HHMMSS (9F21) of the transaction, and dates read back for the processing
 * restrictions (5F24, 5F25). The BCD packing itself is @openvse/emv's codec
 * (packages/emv/src/codec/bcd.ts).
 */
import { bcdToDigits, digitsToBcd, numberToBcd } from '@openvse/emv/codec';
import { TerminalError, TerminalErrorCode } from '../errors.js';

/** Minor units (cents) as a non-negative integer that fits n12. */
export function normalizeAmount(value: number | bigint, what: string): bigint {
  let v: bigint;
  if (typeof value === 'bigint') v = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) v = BigInt(value);
  else
    throw new TerminalError(
      TerminalErrorCode.BAD_ARGUMENT,
      `${what}: expected an integer amount in minor units`,
    );
  if (v < 0n || v > 999_999_999_999n)
    throw new TerminalError(TerminalErrorCode.BAD_ARGUMENT, `${what}: must be 0..999999999999 minor units`);
  return v;
}

/**
 * A non-negative integer as format n in `bytes` bytes (emv's numberToBcd); a value that does not
 * fit is the caller's mistake: ERR_TERMINAL_BAD_ARGUMENT with emv's message.
 */
export function numericField(value: bigint | number, bytes: number): Uint8Array {
  try {
    return numberToBcd(value, bytes);
  } catch (e) {
    throw new TerminalError(TerminalErrorCode.BAD_ARGUMENT, e instanceof Error ? e.message : String(e));
  }
}

/** 9A Transaction Date YYMMDD from a Date, in UTC (the terminal's clock is injected; UTC keeps tests stable). */
export function dateYymmdd(d: Date): Uint8Array {
  const s = `${String(d.getUTCFullYear() % 100).padStart(2, '0')}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
  return digitsToBcd(s);
}

/** 9F21 Transaction Time HHMMSS from a Date, in UTC. */
export function timeHhmmss(d: Date): Uint8Array {
  const s = [d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()]
    .map((n) => String(n).padStart(2, '0'))
    .join('');
  return digitsToBcd(s);
}

/**
 * A YYMMDD date as a comparable number 20YYMMDD (EMV dates are 2000–2099 here: contactless
 * cards and tokens all expire after 2000), or undefined if it is not a valid date.
 */
export function yymmddValue(b: Uint8Array): number | undefined {
  if (b.length !== 3) return undefined;
  const s = bcdToDigits(b);
  if (s === undefined) return undefined;
  const mm = Number(s.slice(2, 4));
  const dd = Number(s.slice(4, 6));
  if (mm < 1 || mm > 12 || dd < 1 || dd > 31) return undefined;
  return 20_000_000 + Number(s);
}
