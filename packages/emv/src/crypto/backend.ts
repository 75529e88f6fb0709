/**
 * The crypto backend: the few primitives EMV Book 2 needs from a platform (docs/emv-cryptography.md
 * §8), behind one interface so that the same key derivations, MACs and cryptograms run on Node and
 * on a JavaScript engine without `node:crypto` (Hermes, docs/mobile.md):
 *  - a block cipher over whole blocks without padding: single DES, TDES (EDE2/EDE3) and AES, in
 *    ECB or CBC mode, encrypting or decrypting (every EMV use pads explicitly, ISO/IEC 9797-1);
 *  - SHA-1 (ICC master key Option B, EMV Book 2 Annex A1.4.2).
 * Nothing in emv needs randomness.
 *
 * Two implementations: `nodeCryptoBackend` (crypto/node-backend.ts, OpenSSL through
 * `node:crypto`) and `pureJsCryptoBackend` (crypto/pure-backend.ts, DES written here, AES and
 * SHA-1 from @noble/ciphers and @noble/hashes). The backend is chosen explicitly, never by looking
 * at the runtime: the Node entry points (`@openvse/emv`, `/crypto`, `/keys`, `/cryptogram`, `/cvn`,
 * `/conformance`) install the node:crypto backend as the default when they load; the pure entry
 * point `@openvse/emv/pure` installs nothing and its user calls
 * `setCryptoBackend(pureJsCryptoBackend)`. A backend set with {@link setCryptoBackend} always wins
 * over the default. Without either, every cryptographic function throws ERR_CRYPTO_BACKEND_MISSING.
 *
 * This module imports no backend, so the pure build's module graph never reaches `node:crypto`.
 */
import { EmvError, EmvErrorCode } from '../errors.js';

/** A block cipher of EMV Book 2: single DES (8-byte key), TDES (16 or 24 bytes), AES (16, 24, 32). */
export type BlockCipherAlgorithm = 'des' | 'tdes' | 'aes';

/** ECB, or CBC with an explicit IV of one block. */
export type BlockCipherMode = 'ecb' | 'cbc';

/**
 * One block-cipher call as the library hands it to a backend, already checked: the key length
 * fits the algorithm, `data` is a whole number of blocks (possibly none), `iv` is one block in CBC
 * mode and absent in ECB mode. The backend must not keep or modify `key`, `iv` or `data`.
 */
export interface BlockCipherRequest {
  /** The cipher. */
  readonly algorithm: BlockCipherAlgorithm;
  /** The mode. */
  readonly mode: BlockCipherMode;
  /** True to encrypt, false to decrypt. */
  readonly encrypt: boolean;
  /** The key (TDES: K1 ‖ K2 for EDE2, K1 ‖ K2 ‖ K3 for EDE3). */
  readonly key: Uint8Array;
  /** CBC only: the IV, one block. */
  readonly iv?: Uint8Array;
  /** Whole blocks. */
  readonly data: Uint8Array;
}

/**
 * What emv needs from a platform's cryptography (see the module comment). Implementations return
 * fresh arrays, zero what they allocated for key material, and throw {@link EmvError}s.
 */
export interface EmvCryptoBackend {
  /** A short name for reports and benchmarks (`node:crypto`, `pure-js`). */
  readonly name: string;
  /** Encrypts or decrypts whole blocks without padding; the output has the length of `data`. */
  blockCipher(request: BlockCipherRequest): Uint8Array;
  /** SHA-1 (FIPS 180-4) of `data`, 20 bytes. */
  sha1(data: Uint8Array): Uint8Array;
}

let chosen: EmvCryptoBackend | null = null;
let fallback: EmvCryptoBackend | null = null;

function checkBackend(b: unknown): EmvCryptoBackend {
  const o = b as Partial<EmvCryptoBackend> | null;
  if (
    typeof o !== 'object' ||
    o === null ||
    typeof o.name !== 'string' ||
    typeof o.blockCipher !== 'function' ||
    typeof o.sha1 !== 'function'
  )
    throw new EmvError(
      EmvErrorCode.CRYPTO_BACKEND_INVALID,
      'backend: expected an object with name, blockCipher and sha1',
    );
  return o as EmvCryptoBackend;
}

/**
 * Chooses the backend every cryptographic function of this copy of the library uses from now on
 * (it wins over the node:crypto default the Node entry points install); `null` goes back to the
 * default. Throws ERR_CRYPTO_BACKEND_INVALID for anything that is not a backend.
 */
export function setCryptoBackend(backend: EmvCryptoBackend | null): void {
  chosen = backend === null ? null : checkBackend(backend);
}

/**
 * The backend in use: the one {@link setCryptoBackend} chose, else the default a Node entry point
 * installed; throws ERR_CRYPTO_BACKEND_MISSING when there is neither (the pure entry point before
 * `setCryptoBackend(pureJsCryptoBackend)`).
 */
export function getCryptoBackend(): EmvCryptoBackend {
  const b = chosen ?? fallback;
  if (b === null)
    throw new EmvError(
      EmvErrorCode.CRYPTO_BACKEND_MISSING,
      'no crypto backend: import @openvse/emv (node:crypto) or call setCryptoBackend(pureJsCryptoBackend) from @openvse/emv/pure',
    );
  return b;
}

/**
 * Runs the synchronous `fn` with `backend` chosen, then restores the previous choice, whatever
 * happens (for code that must not depend on the process-wide choice: a platform built on one
 * backend, a test or a benchmark comparing two). `fn` must not return a promise: the choice would
 * be restored before it settles (ERR_BAD_ARGUMENT).
 */
export function withCryptoBackend<T>(backend: EmvCryptoBackend, fn: () => T): T {
  const b = checkBackend(backend);
  const previous = chosen;
  chosen = b;
  let out: T;
  try {
    out = fn();
  } finally {
    chosen = previous;
  }
  if (typeof (out as { then?: unknown } | null)?.then === 'function')
    throw new EmvError(EmvErrorCode.BAD_ARGUMENT, 'fn: withCryptoBackend runs synchronous functions only');
  return out;
}

/**
 * Internal (not exported by any entry point): installs the backend used when none was chosen.
 * Called once by crypto/node-default.ts, which only the Node entry points import.
 */
export function setDefaultCryptoBackend(backend: EmvCryptoBackend): void {
  fallback = checkBackend(backend);
}
