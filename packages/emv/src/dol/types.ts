/**
 * Data Object List shapes (EMV Book 3 §5.4): a DOL is a list of (tag, length) pairs that tells
 * the terminal which data to send, in which order and at which length (PDOL '9F38',
 * CDOL1 '8C', CDOL2 '8D', UDOL '9F69', DDOL '9F49').
 */
import type { TagFormat } from '../tlv/tags.js';

/**
 * One DOL entry: a tag as hex (e.g. '9F02') and the number of data bytes the list asks for,
 * 0–65535; a malformed tag or length is ERR_DOL_BAD_ENTRY.
 */
export type DolEntry = { tag: string; length: number };

/** Where DOL data comes from: a map keyed by uppercase tag, or a look-up function. */
export type DolSource = ReadonlyMap<string, Uint8Array> | ((tag: string) => Uint8Array | undefined);

/**
 * Options of `buildDolData`. A value's format decides how it is cut or padded to its entry length
 * (EMV Book 3 §5.4).
 */
export type BuildDolOptions = {
  /** Format of a tag; defaults to the tag dictionary, and to 'b' for unknown tags. */
  formatOf?: (tag: string) => TagFormat | undefined;
};
