/**
 * BER-TLV for EMV (EMV Book 3 Annex B): parse, encode, search, name and describe data objects.
 */
export { describeTlv } from './describe.js';
export { encodeTlv, tlv } from './encode.js';
export { findAllTags, findTag, findTagPath, tlvToMap } from './find.js';
export { encodeLength } from './length.js';
export { DEFAULT_MAX_DEPTH, parseTlv, parseTlvSingle } from './parse.js';
export { encodeTag, isConstructedTag } from './tag.js';
export {
  EMV_TAGS,
  type TagFormat,
  type TagInfo,
  type TagInfoOptions,
  type TagLength,
  type TagSource,
  tagInfo,
} from './tags.js';
export type { TlvInput, TlvNode, TlvParseOptions } from './types.js';
