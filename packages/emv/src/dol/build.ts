/**
 * Builds the data a DOL asks for (EMV Book 3 §5.4), entry by entry, concatenated:
 * - a constructed tag, or a tag the source does not have: the entry length of '00' bytes;
 * - data longer than the entry: format 'n' keeps the rightmost bytes, every other format keeps
 *   the leftmost;
 * - data shorter than the entry: 'n' is padded on the left with '00', 'cn' on the right with
 *   'FF', every other format on the right with '00'.
 * Formats come from the tag dictionary (tlv/tags.ts) unless `formatOf` says otherwise; a tag
 * neither knows is treated as 'b'.
 */
import { EmvError, EmvErrorCode } from '../errors.js';
import { isConstructedTag } from '../tlv/tag.js';
import { tagInfo } from '../tlv/tags.js';
import { checkEntry } from './parse.js';
import type { BuildDolOptions, DolEntry, DolSource } from './types.js';

function lookup(source: DolSource, tag: string): Uint8Array | undefined {
  const v = typeof source === 'function' ? source(tag) : (source.get(tag) ?? source.get(tag.toLowerCase()));
  if (v === undefined) return undefined;
  if (!(v instanceof Uint8Array))
    throw new EmvError(EmvErrorCode.BAD_ARGUMENT, `buildDolData: value for ${tag} is not a Uint8Array`);
  return v;
}

/** Fits `data` into `length` bytes per the Book 3 §5.4 rules for `format`. */
export function fitDolValue(data: Uint8Array, length: number, format: string): Uint8Array {
  const out = new Uint8Array(length);
  if (data.length >= length) {
    out.set(format === 'n' ? data.subarray(data.length - length) : data.subarray(0, length));
  } else if (format === 'n') {
    out.set(data, length - data.length);
  } else {
    out.set(data);
    if (format === 'cn') out.fill(0xff, data.length);
  }
  return out;
}

/** The concatenated data for `entries` (e.g. the PDOL data of GET PROCESSING OPTIONS). */
export function buildDolData(
  entries: readonly DolEntry[],
  source: DolSource,
  opts?: BuildDolOptions,
): Uint8Array {
  if (typeof source !== 'function' && !(source instanceof Map))
    throw new EmvError(EmvErrorCode.BAD_ARGUMENT, 'buildDolData: source must be a Map or a function');
  const tags = entries.map((e) => checkEntry(e, 'buildDolData'));
  let total = 0;
  for (const e of entries) total += e.length;
  const out = new Uint8Array(total);
  let pos = 0;
  entries.forEach((e, i) => {
    const tag = tags[i]!;
    const data = isConstructedTag(tag) ? undefined : lookup(source, tag);
    if (data !== undefined) {
      const format = opts?.formatOf?.(tag) ?? tagInfo(tag)?.format ?? 'b';
      out.set(fitDolValue(data, e.length, format), pos);
    }
    pos += e.length;
  });
  return out;
}
