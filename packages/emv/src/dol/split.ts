/**
 * Splits DOL data back into its data elements (the card's view of EMV Book 3 §5.4: e.g. the
 * PDOL data in GET PROCESSING OPTIONS or the CDOL1 data in GENERATE AC). The data must be
 * exactly as long as the DOL asks: shorter is ERR_DOL_TRUNCATED (offset: start of the first
 * incomplete element), longer is ERR_DOL_BAD_ENTRY (offset: first extra byte). When a tag
 * appears twice, the first occurrence is kept in the map.
 */
import { EmvErrorCode, EmvParseError } from '../errors.js';
import { inputBytes } from '../tlv/parse.js';
import { checkEntry } from './parse.js';
import type { DolEntry } from './types.js';

/**
 * Cuts DOL data (bytes or hex) into its data elements, keyed by upper-case tag, each value a copy
 * of its entry length. Data shorter than the DOL asks is ERR_DOL_TRUNCATED, longer is
 * ERR_DOL_BAD_ENTRY, as is a malformed entry.
 */
export function splitDolData(entries: readonly DolEntry[], data: Uint8Array): Map<string, Uint8Array> {
  const d = inputBytes(data, 'splitDolData');
  const out = new Map<string, Uint8Array>();
  let pos = 0;
  for (const e of entries) {
    const tag = checkEntry(e, 'splitDolData');
    if (d.length - pos < e.length)
      throw new EmvParseError(
        EmvErrorCode.DOL_TRUNCATED,
        `DOL data ends inside ${tag} (needs ${e.length} bytes, ${d.length - pos} left)`,
        pos,
      );
    if (!out.has(tag)) out.set(tag, d.slice(pos, pos + e.length));
    pos += e.length;
  }
  if (pos < d.length)
    throw new EmvParseError(EmvErrorCode.DOL_BAD_ENTRY, `${d.length - pos} bytes beyond the DOL`, pos);
  return out;
}
