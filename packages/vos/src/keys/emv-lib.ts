/**
 * Lazy access to @openvse/emv (3DES / AES block modes, ISO 9797-1 MACs, CMAC, KCV, parity) for the
 * key manager. The library is large to load (~25 ms), so the secure world loads it right after
 * boot instead of during it (cold start, bench/vos); a TA instance is only created once it is in.
 */
import type * as Emv from '@openvse/emv';

let lib: typeof Emv | null = null;
let loading: Promise<typeof Emv> | null = null;

export function loadEmv(): Promise<typeof Emv> {
  if (lib) return Promise.resolve(lib);
  loading ??= import('@openvse/emv').then((m) => {
    lib = m;
    return m;
  });
  return loading;
}

/** The loaded library; TA instances exist only after loadEmv() resolved. */
export function emv(): typeof Emv {
  if (!lib) throw new Error('crypto library not loaded');
  return lib;
}

/** True for the library's argument errors (only possible once it is loaded). */
export function isEmvError(e: unknown): boolean {
  return lib !== null && e instanceof lib.EmvError;
}
