/**
 * Key check values (ANSI X9.24-1 / EMV practice; see docs/emv-cryptography.md §2.3).
 *
 * - TDES: leftmost bytes of TDES-ECB(K)[00×8] (3 bytes by default; HSMs often print 2).
 * - AES: leftmost bytes of AES-ECB(K)[00×16] (the "encrypt zeros" KCV; note X9.24-1:2017 also
 *   defines a CMAC-based AES KCV, which is not what this function returns).
 * A KCV identifies a key without revealing it; parity bits do not change a TDES KCV.
 */

import { zeroize } from '../codec/bytes.js';
import { EmvError, EmvErrorCode } from '../errors.js';
import { AES_BLOCK_SIZE, aesEcbEncrypt } from './aes.js';
import { DES_BLOCK_SIZE, tdesEcbEncrypt } from './des.js';

type Bytes = Uint8Array | string;

/**
 * Options of {@link keyCheckValue}: the cipher the key belongs to and how many leading bytes of
 * the encrypted zero block to return; anything else is ERR_BAD_ARGUMENT.
 */
export interface KeyCheckValueOptions {
  /** 'tdes' (default) or 'aes'. */
  algorithm?: 'tdes' | 'aes';
  /** Number of bytes to return, 1 to the block size; default 3. */
  length?: number;
}

/** Computes the key check value of `key`. */
export function keyCheckValue(key: Bytes, options: KeyCheckValueOptions = {}): Uint8Array {
  const algorithm = options.algorithm ?? 'tdes';
  const length = options.length ?? 3;
  if (algorithm !== 'tdes' && algorithm !== 'aes')
    throw new EmvError(EmvErrorCode.BAD_ARGUMENT, "algorithm: expected 'tdes' or 'aes'");
  const blockSize = algorithm === 'tdes' ? DES_BLOCK_SIZE : AES_BLOCK_SIZE;
  if (!Number.isInteger(length) || length < 1 || length > blockSize)
    throw new EmvError(EmvErrorCode.BAD_ARGUMENT, `length: expected 1 to ${blockSize}`);
  const zero = new Uint8Array(blockSize);
  const block = algorithm === 'tdes' ? tdesEcbEncrypt(key, zero) : aesEcbEncrypt(key, zero);
  const out = block.slice(0, length);
  zeroize(block);
  return out;
}
