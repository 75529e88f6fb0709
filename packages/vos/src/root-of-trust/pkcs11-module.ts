/**
 * Loads a PKCS#11 v2.40 module through pkcs11js once per module path and process, and keeps it
 * initialised while any user holds it (C_Initialize / C_Finalize are per process, PKCS#11 v2.40
 * §5.4; a second C_Initialize answers CKR_CRYPTOKI_ALREADY_INITIALIZED). pkcs11js is a native
 * addon, loaded lazily so that the key-file root works where addons are not allowed.
 *
 * SoftHSM2 reads SOFTHSM2_CONF at C_Initialize: set it before the first acquire (or after every
 * holder released the module, which finalises it).
 */
import { createRequire } from 'node:module';
import { TeeResult, VosError } from '@openvse/protocol';
import type * as Pkcs11Js from 'pkcs11js';

export type Pkcs11Lib = typeof Pkcs11Js;
export type Pkcs11 = Pkcs11Js.PKCS11;

const require = createRequire(import.meta.url);
let lib: Pkcs11Lib | undefined;

/** The pkcs11js namespace (constants and the PKCS11 class); throws if the addon cannot load. */
export function pkcs11Lib(): Pkcs11Lib {
  if (!lib) {
    try {
      lib = require('pkcs11js') as Pkcs11Lib;
    } catch {
      throw new VosError(TeeResult.ERROR_NOT_SUPPORTED, 'pkcs11js native addon is not available');
    }
  }
  return lib;
}

interface Loaded {
  p11: Pkcs11;
  refs: number;
}
const loaded = new Map<string, Loaded>();

/** Error code of a pkcs11js error (Pkcs11Error.code), or undefined. */
export function ckrOf(e: unknown): number | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** Loads and initialises the module (or reuses it) and returns a handle to release later. */
export function acquirePkcs11Module(path: string): { p11: Pkcs11; release(): void } {
  let entry = loaded.get(path);
  if (!entry) {
    const pk = pkcs11Lib();
    const p11 = new pk.PKCS11();
    try {
      p11.load(path);
    } catch {
      throw new VosError(TeeResult.ERROR_ITEM_NOT_FOUND, 'PKCS#11 module could not be loaded');
    }
    try {
      p11.C_Initialize();
    } catch (e) {
      if (ckrOf(e) !== pk.CKR_CRYPTOKI_ALREADY_INITIALIZED) {
        p11.close();
        throw new VosError(TeeResult.ERROR_COMMUNICATION, 'PKCS#11 C_Initialize failed');
      }
    }
    entry = { p11, refs: 0 };
    loaded.set(path, entry);
  }
  entry.refs++;
  const held = entry;
  let released = false;
  return {
    p11: held.p11,
    release() {
      if (released) return;
      released = true;
      held.refs--;
      if (held.refs === 0) {
        loaded.delete(path);
        try {
          held.p11.C_Finalize();
        } catch {
          // already finalised
        }
        held.p11.close();
      }
    },
  };
}
