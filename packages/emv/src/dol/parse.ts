/**
 * DOL encoding (EMV Book 3 §5.4): the concatenation of BER-TLV tags (Annex B1) each followed by
 * a length. EMV DOL lengths fit in one byte; the long forms '81 xx' and '82 xx xx' are accepted
 * as BER allows, larger ones ('83', '84') and '80' are rejected.
 *
 * Errors: ERR_DOL_TRUNCATED when a tag or length runs past the end (offset: first missing byte),
 * ERR_DOL_BAD_ENTRY for a malformed tag or length (offset: the offending byte or tag start).
 */

import { concatBytes } from '../codec/bytes.js';
import { EmvError, EmvErrorCode, EmvParseError } from '../errors.js';
import { encodeLength, readLength } from '../tlv/length.js';
import { inputBytes } from '../tlv/parse.js';
import { encodeTag, readTag } from '../tlv/tag.js';
import type { DolEntry } from './types.js';

/** Longest DOL entry length accepted ('82 FF FF'). */
export const MAX_DOL_ENTRY_LENGTH = 0xffff;

function dolError(e: unknown): never {
  if (e instanceof EmvParseError)
    throw new EmvParseError(
      e.code === EmvErrorCode.TLV_TRUNCATED ? EmvErrorCode.DOL_TRUNCATED : EmvErrorCode.DOL_BAD_ENTRY,
      `DOL entry: ${e.message.replace(/ \(at offset \d+\)$/, '')}`,
      e.offset,
    );
  throw e;
}

/** Decodes a DOL into its entries, in order. */
export function parseDol(bytes: Uint8Array): DolEntry[] {
  const b = inputBytes(bytes, 'parseDol');
  const out: DolEntry[] = [];
  let pos = 0;
  while (pos < b.length) {
    try {
      const t = readTag(b, pos, b.length);
      const lenPos = t.next;
      if (lenPos < b.length && b[lenPos]! > 0x82)
        throw new EmvParseError(EmvErrorCode.DOL_BAD_ENTRY, `tag ${t.tag}: length form too long`, lenPos);
      const l = readLength(b, lenPos, b.length);
      out.push({ tag: t.tag, length: l.length });
      pos = l.next;
    } catch (e) {
      dolError(e);
    }
  }
  return out;
}

/** @internal validates one entry and returns its normalized tag. */
export function checkEntry(e: DolEntry, what: string): string {
  if (typeof e !== 'object' || e === null)
    throw new EmvError(EmvErrorCode.DOL_BAD_ENTRY, `${what}: each entry must be { tag, length }`);
  try {
    encodeTag(e.tag);
  } catch {
    throw new EmvError(EmvErrorCode.DOL_BAD_ENTRY, `${what}: entry tag is not a well-formed EMV tag`);
  }
  if (!Number.isInteger(e.length) || e.length < 0 || e.length > MAX_DOL_ENTRY_LENGTH)
    throw new EmvError(
      EmvErrorCode.DOL_BAD_ENTRY,
      `${what}: entry ${e.tag} length must be an integer 0..${MAX_DOL_ENTRY_LENGTH}`,
    );
  return e.tag.toUpperCase();
}

/** Encodes entries as a DOL (shortest length form). */
export function encodeDol(entries: readonly DolEntry[]): Uint8Array {
  return concatBytes(
    ...entries.map((e) => {
      checkEntry(e, 'encodeDol');
      return concatBytes(encodeTag(e.tag), encodeLength(e.length));
    }),
  );
}

/** Number of data bytes the DOL asks for (the sum of the entry lengths). */
export function dolLength(entries: readonly DolEntry[]): number {
  let n = 0;
  for (const e of entries) {
    checkEntry(e, 'dolLength');
    n += e.length;
  }
  return n;
}
