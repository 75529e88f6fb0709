/**
 * AES (FIPS 197) in ECB and CBC mode, without padding, on the crypto backend in use (backend.ts),
 * for EMV Book 2's AES options
 * (Annex A1.3 session keys with a 16-byte block, ISO/IEC 9797-1 MAC Algorithm 5 / CMAC).
 * Keys are 16, 24 or 32 bytes (ERR_KEY_LENGTH); data is a multiple of 16 bytes (ERR_DATA_LENGTH).
 */

import { zeroize } from '../codec/bytes.js';
import { toBytes } from '../codec/hex.js';
import { EmvError, EmvErrorCode } from '../errors.js';
import { assertBlockAligned, assertIvLength, runCipher } from './cipher.js';

/** The AES block size in bytes (16, FIPS 197); AES data and IVs are whole blocks. */
export const AES_BLOCK_SIZE = 16;

type Bytes = Uint8Array | string;

/** OpenSSL name for AES with this key (the node:crypto backend's); throws ERR_KEY_LENGTH for other lengths. */
export function aesAlgorithm(key: Uint8Array, mode: 'ecb' | 'cbc'): string {
  if (key.length === 16 || key.length === 24 || key.length === 32) return `aes-${key.length * 8}-${mode}`;
  throw new EmvError(EmvErrorCode.KEY_LENGTH, `key: AES keys are 16, 24 or 32 bytes, got ${key.length}`);
}

function aes(key: Bytes, data: Bytes, mode: 'ecb' | 'cbc', iv: Bytes | undefined, encrypt: boolean) {
  const k = toBytes(key, 'key');
  try {
    aesAlgorithm(k, mode); // checks the key length
    const d = toBytes(data, 'data');
    assertBlockAligned(d, AES_BLOCK_SIZE, 'data');
    let ivBytes: Uint8Array | null = null;
    if (mode === 'cbc') {
      ivBytes = iv === undefined ? new Uint8Array(AES_BLOCK_SIZE) : toBytes(iv, 'iv');
      assertIvLength(ivBytes, AES_BLOCK_SIZE);
    }
    return runCipher('aes', mode, k, ivBytes, d, encrypt);
  } finally {
    zeroize(k);
  }
}

/** AES-ECB encryption. */
export function aesEcbEncrypt(key: Bytes, data: Bytes): Uint8Array {
  return aes(key, data, 'ecb', undefined, true);
}

/** AES-ECB decryption. */
export function aesEcbDecrypt(key: Bytes, data: Bytes): Uint8Array {
  return aes(key, data, 'ecb', undefined, false);
}

/** AES-CBC encryption; `iv` defaults to sixteen zero bytes. */
export function aesCbcEncrypt(key: Bytes, data: Bytes, iv?: Bytes): Uint8Array {
  return aes(key, data, 'cbc', iv, true);
}

/** AES-CBC decryption; `iv` defaults to sixteen zero bytes. */
export function aesCbcDecrypt(key: Bytes, data: Bytes, iv?: Bytes): Uint8Array {
  return aes(key, data, 'cbc', iv, false);
}
