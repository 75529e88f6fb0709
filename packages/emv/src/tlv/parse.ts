/**
 * BER-TLV decoder for EMV data (EMV Book 3 Annex B; ISO/IEC 8825-1 §8.1 definite form).
 *
 * Walks the input once, recursing into constructed objects (b6 of the first tag byte set) up
 * to a depth cap. Whatever the input, it returns nodes or throws {@link EmvParseError} whose
 * `offset` is absolute in the given buffer:
 * - ERR_TLV_TRUNCATED: a tag or length runs past the end of its container (offset: first
 *   missing byte); ERR_TLV_TAG_TOO_LONG: tag over 3 bytes (offset: tag start);
 * - ERR_TLV_BAD_TAG: '00'/'FF' first byte without `allowPadding`, or a first subsequent tag
 *   byte with b7-b1 zero (offset: that byte);
 * - ERR_TLV_INDEFINITE_LENGTH ('80'), ERR_TLV_LENGTH_TOO_LONG ('85'+) (offset: length byte);
 * - ERR_TLV_LENGTH_OVERRUN: value longer than what remains of its container (offset: length
 *   field); ERR_TLV_NESTING_TOO_DEEP (offset: the object that is too deep);
 * - ERR_TLV_TRAILING_DATA from {@link parseTlvSingle} (offset: first byte after the object).
 * Misuse (not bytes, bad options) throws {@link EmvError} ERR_BAD_ARGUMENT.
 */

import { hexToBytes } from '../codec/hex.js';
import { EmvError, EmvErrorCode, EmvParseError } from '../errors.js';
import { readLength } from './length.js';
import { readTag } from './tag.js';
import type { TlvNode, TlvParseOptions } from './types.js';

/**
 * Nesting depth {@link parseTlv} and {@link parseTlvSingle} accept when `maxDepth` is not given: 16
 * (top-level objects are at depth 1); deeper is ERR_TLV_NESTING_TOO_DEEP.
 */
export const DEFAULT_MAX_DEPTH = 16;
const MAX_DEPTH_LIMIT = 256;

type Ctx = { b: Uint8Array; maxDepth: number; allowPadding: boolean };

/** @internal bytes or hex in, bytes out; anything else is a caller bug. */
export function inputBytes(input: unknown, what: string): Uint8Array {
  if (input instanceof Uint8Array) return input;
  if (typeof input === 'string') return hexToBytes(input, what);
  throw new EmvError(EmvErrorCode.BAD_ARGUMENT, `${what}: expected a Uint8Array or a hex string`);
}

function context(input: unknown, opts: TlvParseOptions | undefined, what: string): Ctx {
  const b = inputBytes(input, what);
  if (opts !== undefined && (typeof opts !== 'object' || opts === null))
    throw new EmvError(EmvErrorCode.BAD_ARGUMENT, `${what}: options must be an object`);
  const maxDepth = opts?.maxDepth ?? DEFAULT_MAX_DEPTH;
  if (!Number.isInteger(maxDepth) || maxDepth < 1 || maxDepth > MAX_DEPTH_LIMIT)
    throw new EmvError(
      EmvErrorCode.BAD_ARGUMENT,
      `${what}: maxDepth must be an integer 1..${MAX_DEPTH_LIMIT}`,
    );
  return { b, maxDepth, allowPadding: opts?.allowPadding === true };
}

function isPad(x: number): boolean {
  return x === 0x00 || x === 0xff;
}

/** Reads one object at `pos` (depth `depth`), returning it and the index after it. */
function readObject(ctx: Ctx, pos: number, end: number, depth: number): { node: TlvNode; next: number } {
  if (depth > ctx.maxDepth)
    throw new EmvParseError(
      EmvErrorCode.TLV_NESTING_TOO_DEEP,
      `data objects nested deeper than ${ctx.maxDepth}`,
      pos,
    );
  const { b } = ctx;
  const t = readTag(b, pos, end);
  const lenPos = t.next;
  const l = readLength(b, lenPos, end);
  const valueStart = l.next;
  if (l.length > end - valueStart)
    throw new EmvParseError(
      EmvErrorCode.TLV_LENGTH_OVERRUN,
      `tag ${t.tag}: length ${l.length} exceeds the ${end - valueStart} bytes left`,
      lenPos,
    );
  const valueEnd = valueStart + l.length;
  const node: TlvNode = {
    tag: t.tag,
    constructed: t.constructed,
    value: b.slice(valueStart, valueEnd),
    offset: pos,
    headerLength: valueStart - pos,
  };
  if (t.constructed) node.children = readRange(ctx, valueStart, valueEnd, depth + 1);
  return { node, next: valueEnd };
}

function readRange(ctx: Ctx, start: number, end: number, depth: number): TlvNode[] {
  const out: TlvNode[] = [];
  let pos = start;
  while (pos < end) {
    if (ctx.allowPadding && isPad(ctx.b[pos]!)) {
      pos++;
      continue;
    }
    const r = readObject(ctx, pos, end, depth);
    out.push(r.node);
    pos = r.next;
  }
  return out;
}

/** Decodes a sequence of BER-TLV data objects (e.g. a response data field or a record). */
export function parseTlv(bytes: Uint8Array, opts?: TlvParseOptions): TlvNode[] {
  const ctx = context(bytes, opts, 'parseTlv');
  return readRange(ctx, 0, ctx.b.length, 1);
}

/**
 * Decodes exactly one top-level object (e.g. an FCI '6F' or a '77' response). With
 * `allowPadding`, padding before and after it is skipped; any other byte after it is
 * ERR_TLV_TRAILING_DATA.
 */
export function parseTlvSingle(bytes: Uint8Array, opts?: TlvParseOptions): TlvNode {
  const ctx = context(bytes, opts, 'parseTlvSingle');
  const { b } = ctx;
  let pos = 0;
  if (ctx.allowPadding) while (pos < b.length && isPad(b[pos]!)) pos++;
  const r = readObject(ctx, pos, b.length, 1);
  let end = r.next;
  if (ctx.allowPadding) while (end < b.length && isPad(b[end]!)) end++;
  if (end < b.length)
    throw new EmvParseError(
      EmvErrorCode.TLV_TRAILING_DATA,
      `${b.length - r.next} bytes after the data object`,
      end,
    );
  return r.node;
}
