/**
 * Data Object List shapes (EMV Book 3 §5.4): a DOL is a list of (tag, length) pairs that tells
 * the terminal which data to send, in which order and at which length (PDOL '9F38',
 * CDOL1 '8C', CDOL2 '8D', UDOL '9F69', DDOL '9F49').
 */
import type { TagFormat } from '../tlv/tags.js';

export type DolEntry = { tag: string; length: number };

/** Where DOL data comes from: a map keyed by uppercase tag, or a look-up function. */
export type DolSource = ReadonlyMap<string, Uint8Array> | ((tag: string) => Uint8Array | undefined);

export type BuildDolOptions = {
  /** Format of a tag; defaults to the tag dictionary, and to 'b' for unknown tags. */
  formatOf?: (tag: string) => TagFormat | undefined;
};
