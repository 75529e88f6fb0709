/**
 * BER-TLV encoder (EMV Book 3 Annex B): tag bytes, shortest definite length, value. A
 * constructed object given `children` is encoded from them, recursively.
 */

import { concatBytes } from '../codec/bytes.js';
import { toBytes } from '../codec/hex.js';
import { EmvError, EmvErrorCode } from '../errors.js';
import { encodeLength } from './length.js';
import { encodeTag } from './tag.js';
import type { TlvInput } from './types.js';

const MAX_ENCODE_DEPTH = 256;

function encodeOne(node: TlvInput, depth: number): Uint8Array {
  if (typeof node !== 'object' || node === null)
    throw new EmvError(EmvErrorCode.BAD_ARGUMENT, 'encodeTlv: each node must be an object');
  if (depth > MAX_ENCODE_DEPTH)
    throw new EmvError(EmvErrorCode.BAD_ARGUMENT, `encodeTlv: nested deeper than ${MAX_ENCODE_DEPTH}`);
  const tag = encodeTag(node.tag);
  let value: Uint8Array;
  if (node.children !== undefined) {
    if ((tag[0]! & 0x20) === 0)
      throw new EmvError(
        EmvErrorCode.BAD_ARGUMENT,
        `encodeTlv: tag ${node.tag} is primitive but has children`,
      );
    if (!Array.isArray(node.children))
      throw new EmvError(EmvErrorCode.BAD_ARGUMENT, 'encodeTlv: children must be an array');
    value = concatBytes(...node.children.map((c) => encodeOne(c, depth + 1)));
  } else {
    value = node.value === undefined ? new Uint8Array(0) : toBytes(node.value, `value of ${node.tag}`);
  }
  return concatBytes(tag, encodeLength(value.length), value);
}

/** Encodes one node or a sequence of nodes, concatenated. */
export function encodeTlv(nodes: TlvInput | readonly TlvInput[]): Uint8Array {
  const list: readonly TlvInput[] = Array.isArray(nodes) ? nodes : [nodes as TlvInput];
  return concatBytes(...list.map((n) => encodeOne(n, 1)));
}

/**
 * Builds a node for {@link encodeTlv}: `value` is bytes, hex, or the children of a template.
 * The tag is checked now, so a typo fails where it is written.
 * @example encodeTlv(tlv('77', [tlv('82', '1980'), tlv('94', '08010100')]))
 */
export function tlv(tag: string, value: Uint8Array | string | readonly TlvInput[]): TlvInput {
  const t = encodeTag(tag);
  const upper = tag.toUpperCase();
  if (Array.isArray(value)) {
    if ((t[0]! & 0x20) === 0)
      throw new EmvError(EmvErrorCode.BAD_ARGUMENT, `tlv: tag ${upper} is primitive but has children`);
    return { tag: upper, children: value };
  }
  return { tag: upper, value: toBytes(value as Uint8Array | string, `value of ${upper}`) };
}
