/**
 * BER-TLV length fields (EMV Book 3 Annex B2; ISO/IEC 8825-1 §8.1.3, definite form only).
 *
 * 0..127 in one byte; otherwise '81'..'84' followed by 1..4 length bytes. EMV forbids the
 * indefinite form ('80'). The parser accepts non-minimal long forms ('81 05'), which cards in the
 * field do send; the encoder always writes the shortest form.
 */
import { EmvError, EmvErrorCode, EmvParseError } from '../errors.js';

/** Most length bytes after the '8n' byte: '84' + 4 bytes covers 2^32 - 1. */
export const MAX_LENGTH_BYTES = 4;

export type LengthRead = { length: number; next: number };

/**
 * Reads the length field at `pos`, never at or past `end`.
 * @internal shared by the TLV and DOL parsers.
 */
export function readLength(b: Uint8Array, pos: number, end: number): LengthRead {
  if (pos >= end) throw new EmvParseError(EmvErrorCode.TLV_TRUNCATED, 'length missing', pos);
  const l = b[pos]!;
  if (l < 0x80) return { length: l, next: pos + 1 };
  if (l === 0x80)
    throw new EmvParseError(EmvErrorCode.TLV_INDEFINITE_LENGTH, 'indefinite length is not allowed', pos);
  const n = l & 0x7f;
  if (n > MAX_LENGTH_BYTES)
    throw new EmvParseError(EmvErrorCode.TLV_LENGTH_TOO_LONG, `length field of ${n} bytes`, pos);
  if (end - (pos + 1) < n)
    throw new EmvParseError(EmvErrorCode.TLV_TRUNCATED, 'length bytes run past the end', end);
  let length = 0;
  for (let i = 1; i <= n; i++) length = length * 256 + b[pos + i]!;
  return { length, next: pos + 1 + n };
}

/** Shortest definite-form length field for `length` (0 .. 2^32 - 1). */
export function encodeLength(length: number): Uint8Array {
  if (!Number.isSafeInteger(length) || length < 0 || length > 0xffffffff)
    throw new EmvError(EmvErrorCode.BAD_ARGUMENT, 'length: expected an integer 0..4294967295');
  if (length < 0x80) return Uint8Array.of(length);
  const bytes: number[] = [];
  for (let v = length; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return Uint8Array.from([0x80 | bytes.length, ...bytes]);
}
