/**
 * ISO/IEC 9797-1 MAC algorithms 1 and 3 with DES/TDES (block size 8, IV = 0, full 8-byte MAC).
 *
 * - Algorithm 1 (CBC-MAC): CBC over the padded data under the whole key; the MAC is the last
 *   block. With a 16/24-byte key this is the "3DES CBC-MAC"; an 8-byte key gives single DES.
 * - Algorithm 3 ("retail MAC", ANSI X9.19), EMV Book 2 Annex A1.2.1 and §8.1.2: CBC with single
 *   DES under K_L, then the last block H becomes E(K_L)[D(K_R)[H]]. Key = K_L ‖ K_R (16 bytes).
 * Padding method 1 or 2 (ISO/IEC 9797-1 §6.3) is explicit: ERR_PADDING_METHOD otherwise.
 */

import { zeroize } from '../codec/bytes.js';
import { toBytes } from '../codec/hex.js';
import { EmvError, EmvErrorCode } from '../errors.js';
import { desCbcEncrypt, tdesCbcEncrypt, tdesEcbEncrypt } from './des.js';
import { assertPaddingMethod, type PaddingMethod, padIso9797 } from './padding.js';

type Bytes = Uint8Array | string;

/** ISO/IEC 9797-1 MAC algorithm 1 (CBC-MAC, 8 bytes) with an 8-, 16- or 24-byte DES/TDES key. */
export function macIso9797Alg1(key: Bytes, data: Bytes, paddingMethod: PaddingMethod): Uint8Array {
  const k = toBytes(key, 'key');
  let padded: Uint8Array | undefined;
  let cbc: Uint8Array | undefined;
  try {
    if (k.length !== 8 && k.length !== 16 && k.length !== 24)
      throw new EmvError(
        EmvErrorCode.KEY_LENGTH,
        `key: MAC algorithm 1 takes an 8-, 16- or 24-byte key, got ${k.length}`,
      );
    assertPaddingMethod(paddingMethod);
    padded = padIso9797(data, paddingMethod, 8);
    cbc = k.length === 8 ? desCbcEncrypt(k, padded) : tdesCbcEncrypt(k, padded);
    return cbc.slice(cbc.length - 8);
  } finally {
    zeroize(k, padded, cbc);
  }
}

/** ISO/IEC 9797-1 MAC algorithm 3 (retail MAC, 8 bytes) with a 16-byte key K_L ‖ K_R. */
export function macIso9797Alg3(key: Bytes, data: Bytes, paddingMethod: PaddingMethod): Uint8Array {
  const k = toBytes(key, 'key');
  let kl: Uint8Array | undefined;
  let padded: Uint8Array | undefined;
  let cbc: Uint8Array | undefined;
  let h: Uint8Array | undefined;
  let d: Uint8Array | undefined;
  try {
    if (k.length !== 16)
      throw new EmvError(
        EmvErrorCode.KEY_LENGTH,
        `key: MAC algorithm 3 takes a 16-byte key K_L || K_R, got ${k.length}`,
      );
    assertPaddingMethod(paddingMethod);
    kl = k.slice(0, 8);
    padded = padIso9797(data, paddingMethod, 8);
    // The last CBC step E(K_L)[x_n xor H_{n-1}] followed by D(K_R) and E(K_L) is one two-key
    // TDES-EDE encryption of x_n xor H_{n-1} under K_L ‖ K_R, so: single-DES CBC over the first
    // n-1 blocks, then one TDES block. Same result, two cipher set-ups instead of three.
    const last = padded.length - 8;
    h = new Uint8Array(8);
    if (last > 0) {
      cbc = desCbcEncrypt(kl, padded.subarray(0, last));
      h.set(cbc.subarray(last - 8));
    }
    d = new Uint8Array(8);
    for (let i = 0; i < 8; i++) d[i] = padded[last + i]! ^ h[i]!;
    return tdesEcbEncrypt(k, d);
  } finally {
    zeroize(k, kl, padded, cbc, h, d);
  }
}
