/**
 * Numeric encodings of terminal data elements (EMV Book 3 §4.3 format 'n': BCD, right
 * justified, leading zeros): amounts n12 (9F02/9F03), dates YYMMDD n6 (9A, 5F24, 5F25), time
 * HHMMSS (9F21), and their decoding for checks.
 */
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

/** BCD of a non-negative integer in `bytes` bytes (format n). */
export function toBcd(value: bigint | number, bytes: number): Uint8Array {
  const digits = value.toString().padStart(bytes * 2, '0');
  if (digits.length > bytes * 2 || !/^[0-9]+$/.test(digits))
    throw new TerminalError(TerminalErrorCode.BAD_ARGUMENT, `value ${digits} does not fit n${bytes * 2}`);
  return new Uint8Array(Buffer.from(digits, 'hex'));
}

/** The decimal digits of a BCD value, or undefined when a nibble is not 0-9. */
export function bcdDigits(b: Uint8Array): string | undefined {
  const s = Buffer.from(b).toString('hex');
  return /^[0-9]*$/.test(s) ? s : undefined;
}

/** 9A / 9F21 from a Date, in UTC (the terminal's clock is injected; UTC keeps tests stable). */
export function dateYymmdd(d: Date): Uint8Array {
  const s = `${String(d.getUTCFullYear() % 100).padStart(2, '0')}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
  return new Uint8Array(Buffer.from(s, 'hex'));
}

export function timeHhmmss(d: Date): Uint8Array {
  const s = [d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()]
    .map((n) => String(n).padStart(2, '0'))
    .join('');
  return new Uint8Array(Buffer.from(s, 'hex'));
}

/**
 * A YYMMDD date as a comparable number 20YYMMDD (EMV dates are 2000–2099 here: contactless
 * cards and tokens all expire after 2000), or undefined if it is not a valid date.
 */
export function yymmddValue(b: Uint8Array): number | undefined {
  if (b.length !== 3) return undefined;
  const s = bcdDigits(b);
  if (s === undefined) return undefined;
  const mm = Number(s.slice(2, 4));
  const dd = Number(s.slice(4, 6));
  if (mm < 1 || mm > 12 || dd < 1 || dd > 31) return undefined;
  return 20_000_000 + Number(s);
}
