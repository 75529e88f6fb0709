/**
 * BER-TLV tag fields (EMV Book 3 Annex B1; ISO/IEC 8825-1 §8.1.2; ISO/IEC 7816-4 §5.2.2.1).
 *
 * First byte: b8-b7 class, b6 constructed, b5-b1 tag number; b5-b1 = 11111 means the tag
 * number continues in subsequent bytes, each with b8 = 1 when another byte follows. EMV tags
 * are at most 3 bytes long (e.g. 'DF8117'); longer tags are rejected. '00' and 'FF' are invalid
 * first bytes (ISO/IEC 7816-4), and the first subsequent byte may not have b7-b1 all zero
 * (ISO/IEC 8825-1 §8.1.2.4.2 c).
 */

import { hexToBytes } from '../codec/hex.js';
import { EmvError, EmvErrorCode, EmvParseError } from '../errors.js';

/** EMV caps tags at three bytes. */
export const MAX_TAG_BYTES = 3;

const HEX = '0123456789ABCDEF';

function byteHex(b: number): string {
  return HEX[b >> 4]! + HEX[b & 15]!;
}

export type TagRead = { tag: string; constructed: boolean; next: number };

/**
 * Reads the tag that starts at `pos` without reading at or past `end`. Throws
 * {@link EmvParseError} with a TLV code; `offset` is the first byte that made no sense.
 * @internal shared by the TLV and DOL parsers.
 */
export function readTag(b: Uint8Array, pos: number, end: number): TagRead {
  if (pos >= end) throw new EmvParseError(EmvErrorCode.TLV_TRUNCATED, 'tag missing', pos);
  const first = b[pos]!;
  if (first === 0x00 || first === 0xff)
    throw new EmvParseError(
      EmvErrorCode.TLV_BAD_TAG,
      `'${byteHex(first)}' is not a valid first tag byte`,
      pos,
    );
  const constructed = (first & 0x20) !== 0;
  if ((first & 0x1f) !== 0x1f) return { tag: byteHex(first), constructed, next: pos + 1 };
  let tag = byteHex(first);
  let i = pos + 1;
  for (let n = 2; ; n++) {
    if (i >= end) throw new EmvParseError(EmvErrorCode.TLV_TRUNCATED, 'tag continues past the end', i);
    const s = b[i]!;
    if (n === 2 && (s & 0x7f) === 0)
      throw new EmvParseError(
        EmvErrorCode.TLV_BAD_TAG,
        `first subsequent tag byte '${byteHex(s)}' has b7-b1 all zero`,
        i,
      );
    tag += byteHex(s);
    i++;
    if ((s & 0x80) === 0) return { tag, constructed, next: i };
    if (n === MAX_TAG_BYTES)
      throw new EmvParseError(EmvErrorCode.TLV_TAG_TOO_LONG, `tag longer than ${MAX_TAG_BYTES} bytes`, pos);
  }
}

/** Uppercases a tag string for lookups; does not validate it. */
export function normalizeTag(tag: string): string {
  if (typeof tag !== 'string') throw new EmvError(EmvErrorCode.BAD_ARGUMENT, 'tag: expected a hex string');
  return tag.toUpperCase();
}

/** Encodes a tag given as hex ('9F26'), checking that it is one well-formed EMV tag. */
export function encodeTag(tag: string): Uint8Array {
  const b = hexToBytes(tag, 'tag');
  if (b.length === 0) throw new EmvError(EmvErrorCode.TLV_BAD_TAG, 'tag: empty');
  let r: TagRead;
  try {
    r = readTag(b, 0, b.length);
  } catch (e) {
    const code = e instanceof EmvError ? e.code : EmvErrorCode.TLV_BAD_TAG;
    throw new EmvError(
      code === EmvErrorCode.TLV_TAG_TOO_LONG ? code : EmvErrorCode.TLV_BAD_TAG,
      `tag: not a well-formed EMV tag (${code})`,
    );
  }
  if (r.next !== b.length)
    throw new EmvError(
      b.length > MAX_TAG_BYTES ? EmvErrorCode.TLV_TAG_TOO_LONG : EmvErrorCode.TLV_BAD_TAG,
      'tag: extra bytes after a complete tag',
    );
  return b;
}

/** True when b6 of the first tag byte is set (a template). */
export function isConstructedTag(tag: string): boolean {
  if (typeof tag !== 'string' || tag.length < 2) return false;
  const first = Number.parseInt(tag.slice(0, 2), 16);
  return Number.isInteger(first) && (first & 0x20) !== 0;
}
