/**
 * Internal: the one place the rest of crypto/ hands block-cipher work to the crypto backend
 * (backend.ts), after checking the inputs so that callers get typed {@link EmvError}s whatever the
 * backend.
 *
 * Every EMV use of a block cipher (EMV Book 2 Annex A1, ISO/IEC 9797-1, NIST SP 800-38B) works on
 * whole blocks with explicit padding, so backends never pad. Not exported from the package: use
 * des.ts / aes.ts.
 */
import { EmvError, EmvErrorCode } from '../errors.js';
import { type BlockCipherAlgorithm, type BlockCipherMode, getCryptoBackend } from './backend.js';

/** ECB or CBC (the modes EMV Book 2 uses). */
export type CipherMode = BlockCipherMode;

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
 * Runs `algorithm` in `mode` over block-aligned `data` (checked by the caller) on the backend in
 * use. The caller owns `key`; a backend answer of the wrong length is ERR_CRYPTO_BACKEND_INVALID.
 */
export function runCipher(
  algorithm: BlockCipherAlgorithm,
  mode: CipherMode,
  key: Uint8Array,
  iv: Uint8Array | null,
  data: Uint8Array,
  encrypt: boolean,
): Uint8Array {
  const backend = getCryptoBackend();
  const out = backend.blockCipher(
    iv === null ? { algorithm, mode, encrypt, key, data } : { algorithm, mode, encrypt, key, iv, data },
  );
  if (!(out instanceof Uint8Array) || out.length !== data.length)
    throw new EmvError(
      EmvErrorCode.CRYPTO_BACKEND_INVALID,
      `backend ${backend.name}: ${algorithm}-${mode} answered ${out?.length} bytes for ${data.length}`,
    );
  return out;
}
