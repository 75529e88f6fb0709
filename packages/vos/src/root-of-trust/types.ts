/**
 * The root-of-trust contract of V-OS sealed storage: where the device root key lives and how
 * namespace keys are derived from it without exposing it.
 *
 * Follows the OP-TEE key hierarchy (secure_storage.rst: HUK → SSK → TSK = HMAC(SSK, TA UUID)) and
 * the GP TEE Internal Core API v1.3 §5 requirement that persistent objects are "bound to the
 * device". A root of trust may also hold a monotonic anchor for rollback detection, like OP-TEE's
 * NV counter for the REE FS (tee_ree_fs.c `nv_counter_get_ree_fs`).
 */

/** A monotonic counter kept by the root of trust, used to detect a copied-back (older) store. */
export interface MonotonicAnchor {
  /** The current value (0 when it was never advanced). */
  read(): Promise<bigint>;
  /** Raise the value to `to`; refuses (TEE_ERROR_SECURITY) to go backwards; equal is a no-op. */
  advance(to: bigint): Promise<void>;
}

/** What a root of trust says about itself; safe to log and to put in an attestation. */
export interface RootOfTrustDescription {
  kind: string;
  hardwareBacked: boolean;
  anchor: boolean;
  /** A stable, non-secret device identifier (hash of the device binding identity). */
  deviceId: string;
}

export interface RootOfTrust {
  readonly kind: 'keyfile' | 'pkcs11';
  /** True only when the token reports a hardware slot (CKF_HW_SLOT); SoftHSM and key files → false. */
  readonly hardwareBacked: boolean;
  /**
   * 32-byte key for a namespace label (e.g. `ta:<uuid>`, `vos:system`). For PKCS#11 it is computed
   * inside the token (CKM_SHA256_HMAC with the non-extractable root key over the label), so the
   * root key never leaves it. The caller owns the result and zeroes it (`.fill(0)`) when done.
   */
  deriveKey(label: string): Promise<Uint8Array>;
  /** Monotonic anchor for rollback detection where the root can hold one; undefined for keyfile. */
  readonly anchor?: MonotonicAnchor;
  describe(): RootOfTrustDescription;
  /** Releases the root (zeroes key bytes, closes sessions). Later calls fail with TEE_ERROR_BAD_STATE. */
  close(): Promise<void>;
}
