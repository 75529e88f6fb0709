/**
 * ISO/IEC 9797-1 §6.3 padding methods, as used by EMV Book 2 §8.1 (application cryptograms)
 * and Annex A1.2 (MACs).
 *
 * - Method 1: append 00 bytes up to a multiple of the block size; nothing is added to data that
 *   is already aligned, and empty data becomes one zero block (Visa CVN 10 "Visa padding").
 * - Method 2: always append 80, then 00 bytes up to a multiple of the block size (the EMV
 *   default, "EMV padding"; identical to ISO/IEC 7816-4 padding).
 * Padding never happens implicitly elsewhere in this library.
 */

import { toBytes } from '../codec/hex.js';
import { EmvError, EmvErrorCode } from '../errors.js';

/**
 * ISO/IEC 9797-1 §6.3 padding method: 1 ('00' bytes, none when aligned) or 2 ('80' then '00'
 * bytes, always); functions taking one throw ERR_PADDING_METHOD for any other value.
 */
export type PaddingMethod = 1 | 2;

type Bytes = Uint8Array | string;

function assertBlockSize(blockSize: number): void {
  if (!Number.isInteger(blockSize) || blockSize < 1 || blockSize > 255)
    throw new EmvError(EmvErrorCode.BAD_ARGUMENT, 'blockSize: expected an integer from 1 to 255');
}

/** Throws ERR_PADDING_METHOD unless `method` is 1 or 2. */
export function assertPaddingMethod(method: unknown): asserts method is PaddingMethod {
  if (method !== 1 && method !== 2)
    throw new EmvError(
      EmvErrorCode.PADDING_METHOD,
      'paddingMethod: expected ISO/IEC 9797-1 padding method 1 or 2',
    );
}

/** ISO/IEC 9797-1 padding method 1 (zeros; none when aligned and non-empty). Returns a fresh array. */
export function padIso9797M1(data: Bytes, blockSize = 8): Uint8Array {
  assertBlockSize(blockSize);
  const d = toBytes(data, 'data');
  if (d.length > 0 && d.length % blockSize === 0) return d;
  const n = d.length === 0 ? blockSize : Math.ceil(d.length / blockSize) * blockSize;
  const out = new Uint8Array(n);
  out.set(d);
  d.fill(0);
  return out;
}

/** ISO/IEC 9797-1 padding method 2 (80 then zeros; always added). Returns a fresh array. */
export function padIso9797M2(data: Bytes, blockSize = 8): Uint8Array {
  assertBlockSize(blockSize);
  const d = toBytes(data, 'data');
  const n = (Math.floor(d.length / blockSize) + 1) * blockSize;
  const out = new Uint8Array(n);
  out.set(d);
  out[d.length] = 0x80;
  d.fill(0);
  return out;
}

/** Pads with method 1 or 2; throws ERR_PADDING_METHOD for anything else. */
export function padIso9797(data: Bytes, method: PaddingMethod, blockSize = 8): Uint8Array {
  assertPaddingMethod(method);
  return method === 1 ? padIso9797M1(data, blockSize) : padIso9797M2(data, blockSize);
}

/**
 * Removes method-2 padding. Throws ERR_DATA_LENGTH for unaligned or empty input and
 * ERR_PADDING_INVALID when the trailing 80 00…00 is missing or longer than one block.
 */
export function unpadIso9797M2(data: Bytes, blockSize = 8): Uint8Array {
  assertBlockSize(blockSize);
  const d = toBytes(data, 'data');
  if (d.length === 0 || d.length % blockSize !== 0)
    throw new EmvError(
      EmvErrorCode.DATA_LENGTH,
      `data: length ${d.length} is not a non-zero multiple of ${blockSize}`,
    );
  let i = d.length - 1;
  const stop = d.length - blockSize;
  while (i >= stop && d[i] === 0x00) i--;
  if (i < stop || d[i] !== 0x80)
    throw new EmvError(EmvErrorCode.PADDING_INVALID, 'data: no ISO/IEC 9797-1 method 2 padding found');
  const out = d.slice(0, i);
  d.fill(0);
  return out;
}
