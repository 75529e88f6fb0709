/**
 * Monotonic rollback anchor kept in a PKCS#11 token: a private CKO_DATA token object
 * (PKCS#11 v2.40 §4.5) whose CKA_VALUE is the counter as u64 big-endian. advance() refuses to go
 * backwards. Plays the role of OP-TEE's REE FS NV counter (tee_ree_fs.c: the directory counter
 * must not fall below `min_counter`).
 *
 * Honest limit: the anchor is only as rollback-resistant as the token. SoftHSM2 keeps it in files
 * beside everything else, so restoring an old copy of *both* the token directory and the data
 * folder defeats it; a hardware token does not have that hole.
 */
import { TeeResult, VosError } from '@openvse/protocol';
import type { Pkcs11, Pkcs11Lib } from './pkcs11-module.js';
import type { MonotonicAnchor } from './types.js';

const APPLICATION = 'openvse';

function encodeU64(v: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(v);
  return b;
}

export class Pkcs11Anchor implements MonotonicAnchor {
  readonly #pk: Pkcs11Lib;
  readonly #p11: Pkcs11;
  readonly #session: () => Buffer;
  readonly #label: string;

  constructor(pk: Pkcs11Lib, p11: Pkcs11, session: () => Buffer, label: string) {
    this.#pk = pk;
    this.#p11 = p11;
    this.#session = session;
    this.#label = label;
  }

  /** All anchor objects (normally one; two after a crash between create and destroy). */
  #findAll(): Buffer[] {
    const pk = this.#pk;
    const s = this.#session();
    this.#p11.C_FindObjectsInit(s, [
      { type: pk.CKA_CLASS, value: pk.CKO_DATA },
      { type: pk.CKA_TOKEN, value: true },
      { type: pk.CKA_LABEL, value: this.#label },
      { type: pk.CKA_APPLICATION, value: APPLICATION },
    ]);
    try {
      return this.#p11.C_FindObjects(s, 16);
    } finally {
      this.#p11.C_FindObjectsFinal(s);
    }
  }

  /** The highest value among the anchor objects (a counter only ever goes up). */
  #readSync(): { handles: Buffer[]; value: bigint } {
    const handles = this.#findAll();
    let value = 0n;
    for (const h of handles) {
      const [attr] = this.#p11.C_GetAttributeValue(this.#session(), h, [{ type: this.#pk.CKA_VALUE }]);
      const v = attr?.value;
      if (v?.length !== 8) throw new VosError(TeeResult.ERROR_CORRUPT_OBJECT, 'rollback anchor is corrupt');
      const n = v.readBigUInt64BE(0);
      if (n > value) value = n;
    }
    return { handles, value };
  }

  async read(): Promise<bigint> {
    return this.#readSync().value;
  }

  /**
   * SoftHSM2 treats CKA_VALUE of a data object as read-only (CKR_ATTRIBUTE_READ_ONLY), so an
   * advance creates the new object first, then destroys the old ones: a crash in between leaves
   * two objects and read() takes the highest, so the anchor never goes back.
   */
  async advance(to: bigint): Promise<void> {
    if (typeof to !== 'bigint' || to < 0n || to >= 1n << 64n) {
      throw new VosError(TeeResult.ERROR_BAD_PARAMETERS, 'anchor value must be a u64 bigint');
    }
    // Synchronous read-compare-write: no other call on this session can interleave.
    const { handles, value } = this.#readSync();
    if (to < value) throw new VosError(TeeResult.ERROR_SECURITY, 'rollback anchor cannot go backwards');
    if (to === value && handles.length === 1) return;
    const pk = this.#pk;
    this.#p11.C_CreateObject(this.#session(), [
      { type: pk.CKA_CLASS, value: pk.CKO_DATA },
      { type: pk.CKA_TOKEN, value: true },
      { type: pk.CKA_PRIVATE, value: true },
      { type: pk.CKA_LABEL, value: this.#label },
      { type: pk.CKA_APPLICATION, value: APPLICATION },
      { type: pk.CKA_VALUE, value: encodeU64(to) },
    ]);
    for (const h of handles) this.#p11.C_DestroyObject(this.#session(), h);
  }
}
