/**
 * Lazy access to emv's cryptography (`@openvse/emv/crypto`: 3DES / AES block modes, ISO/IEC
 * 9797-1 MACs, CMAC, KCV, parity) for the key manager. Loading it takes a few milliseconds, so the
 * secure world loads it right after boot instead of during it (cold start, bench/vos); a TA
 * instance is only created once it is in.
 */
import { isEmvError as isEmvLibraryError } from '@openvse/emv/errors';

type EmvCrypto = typeof import('@openvse/emv/crypto');

let lib: EmvCrypto | null = null;
let loading: Promise<EmvCrypto> | null = null;

/** Loads the crypto module once; later calls share the same promise. */
export function loadEmv(): Promise<EmvCrypto> {
  if (lib) return Promise.resolve(lib);
  loading ??= import('@openvse/emv/crypto').then((m) => {
    lib = m;
    return m;
  });
  return loading;
}

/** The loaded module; TA instances exist only after loadEmv() resolved. */
export function emv(): EmvCrypto {
  if (!lib) throw new Error('crypto library not loaded');
  return lib;
}

/** True for the library's argument errors. */
export function isEmvError(e: unknown): boolean {
  return isEmvLibraryError(e);
}
