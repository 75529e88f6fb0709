/**
 * Internal: one place that drives node:crypto block ciphers for the rest of crypto/.
 *
 * Every EMV use of a block cipher (EMV Book 2 Annex A1, ISO/IEC 9797-1, NIST SP 800-38B) works on
 * whole blocks with explicit padding, so OpenSSL's automatic PKCS#7 padding is always switched
 * off here. Inputs are validated before OpenSSL sees them so callers get typed {@link EmvError}s.
 * Not exported from the package: use des.ts / aes.ts.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { zeroize } from '../codec/bytes.js';
import { EmvError, EmvErrorCode } from '../errors.js';

export type CipherMode = 'ecb' | 'cbc';

/** Throws ERR_DATA_LENGTH unless `data` is a whole number of `blockSize`-byte blocks. */
export function assertBlockAligned(data: Uint8Array, blockSize: number, what: string): void {
  if (data.length % blockSize !== 0)
    throw new EmvError(
      EmvErrorCode.DATA_LENGTH,
      `${what}: length ${data.length} is not a multiple of the ${blockSize}-byte block size`,
    );
}

/** Throws ERR_IV_LENGTH unless `iv` has exactly one block. */
export function assertIvLength(iv: Uint8Array, blockSize: number): void {
  if (iv.length !== blockSize)
    throw new EmvError(EmvErrorCode.IV_LENGTH, `iv: expected ${blockSize} bytes, got ${iv.length}`);
}

/**
 * Runs `algorithm` (an OpenSSL cipher name) over block-aligned `data` without padding.
 * The caller owns `key`; intermediate Node buffers are zeroed before returning.
 */
export function runCipher(
  algorithm: string,
  key: Uint8Array,
  iv: Uint8Array | null,
  data: Uint8Array,
  encrypt: boolean,
): Uint8Array {
  const c = encrypt ? createCipheriv(algorithm, key, iv) : createDecipheriv(algorithm, key, iv);
  c.setAutoPadding(false);
  const a = c.update(data);
  const b = c.final();
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  zeroize(a, b);
  return out;
}
