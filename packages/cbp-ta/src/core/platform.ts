/**
 * What the CBP TA core needs from the platform it runs on (docs/cbp-protocol.md §1, §4): key
 * objects by handle, the retail MAC, randomness, time, sealed storage, the state counter, JOSE on
 * key handles and attestation. Two implementations:
 *  - `src/ta/vos-platform.ts`: the V-OS syscalls of the CBP TA's compartment (keys never leave
 *    V-OS; the TA only ever holds handles);
 *  - `src/software-platform.ts`: plain process memory (the unprotected baseline).
 * The core is written once against this interface and never sees a key's bytes except the clear
 * credentials it has just decrypted, which it hands to `importDes3Key` and wipes.
 */

import type { PublicEcJwk } from '@openvse/protocol';

/** A key object handle (a u32 in V-OS). */
export type KeyHandle = number;

/** One step of an all-or-nothing sealed-storage transaction: write an object whole, or delete it. */
export type StorageOp = { op: 'write'; id: string; data: Uint8Array } | { op: 'delete'; id: string };

/** The platform the CBP TA core runs on (see above): V-OS syscalls, or the software baseline. */
export interface CbpPlatform {
  /** 'vos' or 'software' (reported, never trusted for anything). */
  readonly kind: string;

  // ── key objects ────────────────────────────────────────────────────────────────────────────
  /** A fresh EC P-256 key pair: 'enc' for ECDH-ES (usage derive), 'sig' for ES256 (usage sign). */
  generateEcKey(purpose: 'enc' | 'sig'): Promise<KeyHandle>;
  /** Imports a 16-byte 3DES key (usage 'mac', or 'derive' for a SUK that needs the mobile PIN). */
  importDes3Key(bytes: Uint8Array, usage: 'mac' | 'derive'): Promise<KeyHandle>;
  /** A new transient 'mac' key = base XOR mask (base needs usage 'derive'); no parity change. */
  xorDeriveDes3Key(base: KeyHandle, mask: Uint8Array): Promise<KeyHandle>;
  /** A transient random 16-byte 3DES 'mac' key (the AAC key of a decline). */
  randomDes3Key(): Promise<KeyHandle>;
  persistKey(handle: KeyHandle, id: string): Promise<void>;
  /** Throws when there is no such persistent key. */
  loadKey(id: string): Promise<KeyHandle>;
  /** Releases (and zeroes) a handle; the persistent copy, if any, stays. */
  destroyKey(handle: KeyHandle): Promise<void>;
  deletePersistentKey(id: string): Promise<boolean>;
  listPersistentKeys(): Promise<string[]>;
  /** ISO/IEC 9797-1 MAC algorithm 3, padding method 2 (8 bytes) under a 16-byte 3DES 'mac' key. */
  retailMac(handle: KeyHandle, data: Uint8Array): Promise<Uint8Array>;
  /** The public JWK of an EC key. */
  publicJwk(handle: KeyHandle): Promise<PublicEcJwk>;

  // ── randomness and time ────────────────────────────────────────────────────────────────────
  randomBytes(n: number): Uint8Array;
  /** Wall-clock milliseconds since the epoch (REE time: untrusted, settable by the normal world). */
  now(): number;
  /** Milliseconds from an arbitrary origin, never going backwards (CDCVM timeout). */
  monotonic(): number;

  // ── sealed storage (this TA's namespace; ids [A-Za-z0-9._:-]{1,128}) ────────────────────────
  read(id: string): Promise<Uint8Array | null>;
  /** All or nothing. */
  transaction(ops: StorageOp[]): Promise<void>;
  list(): Promise<string[]>;
  /** The monotonic state counter (bumped by every committed change). */
  stateCounter(): bigint;

  // ── JOSE on key handles ────────────────────────────────────────────────────────────────────
  /** Compact JWE, `ECDH-ES+A256KW` / `A256GCM` only, to the 'enc' key. */
  decryptJwe(
    encKey: KeyHandle,
    jwe: string,
  ): Promise<{ plaintext: Uint8Array; protectedHeader: Record<string, unknown> }>;
  /** Compact JWS, ES256 only, against a pinned public JWK; throws when it does not verify. */
  verifyJws(
    jws: string,
    publicJwk: PublicEcJwk,
  ): Promise<{ payload: Uint8Array; protectedHeader: Record<string, unknown> }>;
  /** Compact JWS (ES256) by the 'sig' key; `protectedHeader.alg` must be 'ES256'. */
  signJws(sigKey: KeyHandle, payload: Uint8Array, protectedHeader: Record<string, unknown>): Promise<string>;
  /** RFC 7638 SHA-256 thumbprint, base64url. */
  thumbprint(jwk: PublicEcJwk): Promise<string>;

  // ── attestation ────────────────────────────────────────────────────────────────────────────
  /**
   * An attestation JWS (docs/attestation.md) over `nonce` (canonical base64url of 8..64 bytes)
   * carrying the public JWKs of the given persistent keys, named by their persistent ids.
   */
  attest(nonce: string, keys: KeyHandle[]): Promise<string>;

  /**
   * The threat flags V-Guard raised in the platform (`CODE` or `CODE:severity`), for the reaction
   * policy (docs/cbp-protocol.md §6). Optional: without it only `blockPayments` applies.
   */
  threatFlags?(): Promise<string[]>;
}
