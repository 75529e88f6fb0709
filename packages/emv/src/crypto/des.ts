/**
 * DES and Triple DES (TDEA) in ECB and CBC mode, without padding, on the crypto backend in use
 * (backend.ts).
 *
 * EMV Book 2 Annex A1.1 uses double-length TDES keys K = K_L ‖ K_R with the EDE keying option
 * K1 = K_L, K2 = K_R, K3 = K_L ("des-ede" in OpenSSL); triple-length keys (24 bytes) use
 * "des-ede3". Single DES is needed by ISO/IEC 9797-1 MAC Algorithm 3; the node:crypto backend
 * computes it as EDE with K ‖ K (E_K D_K E_K = E_K), because Node 20's OpenSSL 3 keeps plain DES
 * in the legacy provider, the pure-JavaScript backend directly.
 * Data must be a multiple of 8 bytes (ERR_DATA_LENGTH); key lengths are checked (ERR_KEY_LENGTH).
 */

import { zeroize } from '../codec/bytes.js';
import { toBytes } from '../codec/hex.js';
import { EmvError, EmvErrorCode } from '../errors.js';
import { assertBlockAligned, assertIvLength, runCipher } from './cipher.js';

/** The DES and TDES block size in bytes (8); DES/TDES data and IVs are whole blocks. */
export const DES_BLOCK_SIZE = 8;

type Bytes = Uint8Array | string;

function block(
  alg: 'des' | 'tdes',
  key: Bytes,
  data: Bytes,
  mode: 'ecb' | 'cbc',
  iv: Bytes | undefined,
  encrypt: boolean,
) {
  const k = toBytes(key, 'key');
  try {
    if (alg === 'des' && k.length !== 8)
      throw new EmvError(EmvErrorCode.KEY_LENGTH, `key: DES keys are 8 bytes, got ${k.length}`);
    if (alg === 'tdes' && k.length !== 16 && k.length !== 24)
      throw new EmvError(EmvErrorCode.KEY_LENGTH, `key: TDES keys are 16 or 24 bytes, got ${k.length}`);
    const d = toBytes(data, 'data');
    assertBlockAligned(d, DES_BLOCK_SIZE, 'data');
    let ivBytes: Uint8Array | null = null;
    if (mode === 'cbc') {
      ivBytes = iv === undefined ? new Uint8Array(DES_BLOCK_SIZE) : toBytes(iv, 'iv');
      assertIvLength(ivBytes, DES_BLOCK_SIZE);
    }
    return runCipher(alg, mode, k, ivBytes, d, encrypt);
  } finally {
    zeroize(k);
  }
}

/** TDES-ECB encryption; `key` is 16 (K_L ‖ K_R, EDE2) or 24 bytes (EDE3). */
export function tdesEcbEncrypt(key: Bytes, data: Bytes): Uint8Array {
  return tdes(key, data, 'ecb', undefined, true);
}

/** TDES-ECB decryption. */
export function tdesEcbDecrypt(key: Bytes, data: Bytes): Uint8Array {
  return tdes(key, data, 'ecb', undefined, false);
}

/** TDES-CBC encryption; `iv` defaults to eight zero bytes. */
export function tdesCbcEncrypt(key: Bytes, data: Bytes, iv?: Bytes): Uint8Array {
  return tdes(key, data, 'cbc', iv, true);
}

/** TDES-CBC decryption; `iv` defaults to eight zero bytes. */
export function tdesCbcDecrypt(key: Bytes, data: Bytes, iv?: Bytes): Uint8Array {
  return tdes(key, data, 'cbc', iv, false);
}

function tdes(key: Bytes, data: Bytes, mode: 'ecb' | 'cbc', iv: Bytes | undefined, encrypt: boolean) {
  return block('tdes', key, data, mode, iv, encrypt);
}

function des(key: Bytes, data: Bytes, mode: 'ecb' | 'cbc', iv: Bytes | undefined, encrypt: boolean) {
  return block('des', key, data, mode, iv, encrypt);
}

/** Single-DES ECB encryption with an 8-byte key. */
export function desEcbEncrypt(key: Bytes, data: Bytes): Uint8Array {
  return des(key, data, 'ecb', undefined, true);
}

/** Single-DES ECB decryption with an 8-byte key. */
export function desEcbDecrypt(key: Bytes, data: Bytes): Uint8Array {
  return des(key, data, 'ecb', undefined, false);
}

/** Single-DES CBC encryption with an 8-byte key; `iv` defaults to zeros. */
export function desCbcEncrypt(key: Bytes, data: Bytes, iv?: Bytes): Uint8Array {
  return des(key, data, 'cbc', iv, true);
}

/** Single-DES CBC decryption with an 8-byte key; `iv` defaults to zeros. */
export function desCbcDecrypt(key: Bytes, data: Bytes, iv?: Bytes): Uint8Array {
  return des(key, data, 'cbc', iv, false);
}
