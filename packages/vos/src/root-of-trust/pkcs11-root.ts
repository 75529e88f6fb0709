/**
 * PKCS#11 root of trust (SoftHSM2 or a hardware token), through pkcs11js. The root key is a token
 * generic secret (CKM_GENERIC_SECRET_KEY_GEN, 32 bytes, CKA_TOKEN, CKA_SENSITIVE, !CKA_EXTRACTABLE,
 * CKA_SIGN only; PKCS#11 v2.40 §2.8, §4.9) that never leaves the token: namespace keys are
 * CKM_SHA256_HMAC (PKCS#11 Current Mechanisms v2.40 §2.20) over the derivation label, computed
 * inside it; that is the OP-TEE TSK = HMAC-SHA256(SSK, UUID) construction. The token also keeps
 * the rollback anchor (pkcs11-anchor.ts).
 *
 * Honest limits (SoftHSMv2 src/lib/data_mgr/SecureDataManager.cpp and src/lib/P11Attributes.cpp;
 * docs/design.md "Key objects"): SoftHSM2 is software; its token files are protected by the user
 * PIN (a weak PBE) and its boolean attributes are stored in clear, so hardwareBacked is false for
 * it. A key found with CKA_SENSITIVE false or CKA_EXTRACTABLE true is refused.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { TeeResult, VosError } from '@openvse/protocol';
import { derivationMessage } from './derivation-label.js';
import { defaultDeviceIdentity, deviceIdFromIdentity } from './device-identity.js';
import { Pkcs11Anchor } from './pkcs11-anchor.js';
import { acquirePkcs11Module, ckrOf, type Pkcs11, type Pkcs11Lib, pkcs11Lib } from './pkcs11-module.js';
import type { MonotonicAnchor, RootOfTrust, RootOfTrustDescription } from './types.js';

/** CKF_HW_SLOT (PKCS#11 v2.40 §3.2 CK_SLOT_INFO flags); not exported by pkcs11js. */
const CKF_HW_SLOT = 0x4;
export const DEFAULT_ROOT_KEY_LABEL = 'openvse-root';
const ROOT_KEY_BYTES = 32;

export interface Pkcs11RootOptions {
  module: string;
  tokenLabel: string;
  pin: string;
  keyLabel?: string;
  deviceIdentity?: string;
}

function p11Error(what: string, e: unknown): VosError {
  if (e instanceof VosError) return e;
  const name = (e as { message?: unknown } | null)?.message;
  const ckr = typeof name === 'string' && /^CKR_[A-Z0-9_]+$/.test(name) ? name : `code ${ckrOf(e) ?? '?'}`;
  return new VosError(TeeResult.ERROR_COMMUNICATION, `PKCS#11 ${what} failed (${ckr})`);
}

function findSlot(p11: Pkcs11, tokenLabel: string): Buffer {
  for (const slot of p11.C_GetSlotList(true)) {
    if (p11.C_GetTokenInfo(slot).label.trim() === tokenLabel) return slot;
  }
  throw new VosError(TeeResult.ERROR_ITEM_NOT_FOUND, 'PKCS#11 token not found');
}

/**
 * PKCS#11 login state is per application and token (v2.40 §5.6): a second C_Login answers
 * CKR_USER_ALREADY_LOGGED_IN without checking the PIN. So this process remembers a digest of the
 * PIN it logged in with, per token, and a later open must present the same PIN.
 */
const logins = new Map<string, { pinDigest: Buffer; holders: number }>();

function pinDigest(pin: string): Buffer {
  return createHash('sha256').update('openvse/pkcs11-pin\0').update(pin, 'utf8').digest();
}

function login(pk: Pkcs11Lib, p11: Pkcs11, session: Buffer, pin: string, loginKey: string): () => void {
  const digest = pinDigest(pin);
  const held = logins.get(loginKey);
  if (held) {
    if (!timingSafeEqual(held.pinDigest, digest)) {
      throw new VosError(TeeResult.ERROR_ACCESS_DENIED, 'PKCS#11 login refused');
    }
  } else {
    try {
      p11.C_Login(session, pk.CKU_USER, pin);
    } catch (e) {
      const ckr = ckrOf(e);
      if (ckr === pk.CKR_PIN_INCORRECT || ckr === pk.CKR_PIN_LOCKED || ckr === pk.CKR_PIN_LEN_RANGE) {
        throw new VosError(TeeResult.ERROR_ACCESS_DENIED, 'PKCS#11 login refused');
      }
      // Logged in by other code in this process: we cannot check the PIN; refuse rather than trust.
      throw p11Error('C_Login', e);
    }
  }
  const entry = held ?? { pinDigest: digest, holders: 0 };
  entry.holders++;
  logins.set(loginKey, entry);
  let done = false;
  return () => {
    if (done) return;
    done = true;
    entry.holders--;
    if (entry.holders === 0) logins.delete(loginKey);
  };
}

function bool(v: Buffer | undefined): boolean | undefined {
  return v && v.length > 0 ? v[0] !== 0 : undefined;
}

/** Checks that a found root key is what we would have generated; refuses an exportable one. */
function checkRootKey(pk: Pkcs11Lib, p11: Pkcs11, session: Buffer, key: Buffer): void {
  const attrs = p11.C_GetAttributeValue(session, key, [
    { type: pk.CKA_SENSITIVE },
    { type: pk.CKA_EXTRACTABLE },
    { type: pk.CKA_SIGN },
    { type: pk.CKA_VALUE_LEN },
  ]);
  const sensitive = bool(attrs[0]?.value);
  const extractable = bool(attrs[1]?.value);
  const sign = bool(attrs[2]?.value);
  const len = attrs[3]?.value;
  const valueLen = len && len.length > 0 ? len.readUIntLE(0, Math.min(len.length, 6)) : 0;
  if (sensitive !== true || extractable !== false) {
    throw new VosError(TeeResult.ERROR_SECURITY, 'PKCS#11 root key is exportable; refusing it');
  }
  if (sign !== true || valueLen < ROOT_KEY_BYTES) {
    throw new VosError(TeeResult.ERROR_SECURITY, 'PKCS#11 root key has the wrong type or size');
  }
}

function findOrGenerateRootKey(pk: Pkcs11Lib, p11: Pkcs11, session: Buffer, label: string): Buffer {
  p11.C_FindObjectsInit(session, [
    { type: pk.CKA_CLASS, value: pk.CKO_SECRET_KEY },
    { type: pk.CKA_KEY_TYPE, value: pk.CKK_GENERIC_SECRET },
    { type: pk.CKA_TOKEN, value: true },
    { type: pk.CKA_LABEL, value: label },
  ]);
  let found: Buffer[];
  try {
    found = p11.C_FindObjects(session, 2);
  } finally {
    p11.C_FindObjectsFinal(session);
  }
  if (found.length > 1) throw new VosError(TeeResult.ERROR_SECURITY, 'PKCS#11 root key label is ambiguous');
  const existing = found[0];
  if (existing) {
    checkRootKey(pk, p11, session, existing);
    return existing;
  }
  const key = p11.C_GenerateKey(session, { mechanism: pk.CKM_GENERIC_SECRET_KEY_GEN }, [
    { type: pk.CKA_CLASS, value: pk.CKO_SECRET_KEY },
    { type: pk.CKA_KEY_TYPE, value: pk.CKK_GENERIC_SECRET },
    { type: pk.CKA_TOKEN, value: true },
    { type: pk.CKA_PRIVATE, value: true },
    { type: pk.CKA_SENSITIVE, value: true },
    { type: pk.CKA_EXTRACTABLE, value: false },
    { type: pk.CKA_SIGN, value: true },
    { type: pk.CKA_VERIFY, value: false },
    { type: pk.CKA_ENCRYPT, value: false },
    { type: pk.CKA_DECRYPT, value: false },
    { type: pk.CKA_WRAP, value: false },
    { type: pk.CKA_UNWRAP, value: false },
    { type: pk.CKA_DERIVE, value: false },
    { type: pk.CKA_MODIFIABLE, value: false },
    { type: pk.CKA_VALUE_LEN, value: ROOT_KEY_BYTES },
    { type: pk.CKA_LABEL, value: label },
  ]);
  checkRootKey(pk, p11, session, key);
  return key;
}

class Pkcs11Root implements RootOfTrust {
  readonly kind = 'pkcs11' as const;
  readonly hardwareBacked: boolean;
  readonly anchor: MonotonicAnchor;
  readonly #pk: Pkcs11Lib;
  readonly #p11: Pkcs11;
  readonly #release: () => void;
  #session: Buffer | null;
  readonly #key: Buffer;
  readonly #deviceId: string;

  constructor(
    pk: Pkcs11Lib,
    p11: Pkcs11,
    release: () => void,
    session: Buffer,
    key: Buffer,
    hardwareBacked: boolean,
    anchorLabel: string,
    deviceId: string,
  ) {
    this.#pk = pk;
    this.#p11 = p11;
    this.#release = release;
    this.#session = session;
    this.#key = key;
    this.hardwareBacked = hardwareBacked;
    this.#deviceId = deviceId;
    this.anchor = new Pkcs11Anchor(pk, p11, () => this.#live(), anchorLabel);
  }

  #live(): Buffer {
    if (!this.#session) throw new VosError(TeeResult.ERROR_BAD_STATE, 'root of trust is closed');
    return this.#session;
  }

  async deriveKey(label: string): Promise<Uint8Array> {
    const msg = derivationMessage(label);
    const session = this.#live();
    const out = Buffer.alloc(32);
    try {
      this.#p11.C_SignInit(session, { mechanism: this.#pk.CKM_SHA256_HMAC }, this.#key);
      const mac = this.#p11.C_Sign(session, msg, out);
      if (mac.length !== 32) throw new VosError(TeeResult.ERROR_GENERIC, 'PKCS#11 HMAC has the wrong length');
      return mac;
    } catch (e) {
      out.fill(0);
      throw p11Error('C_Sign', e);
    }
  }

  describe(): RootOfTrustDescription {
    return { kind: this.kind, hardwareBacked: this.hardwareBacked, anchor: true, deviceId: this.#deviceId };
  }

  async close(): Promise<void> {
    const s = this.#session;
    if (!s) return;
    this.#session = null;
    try {
      this.#p11.C_CloseSession(s);
    } catch {
      // token gone; nothing else to release
    }
    this.#release();
  }
}

/**
 * Opens the PKCS#11 root: finds the token by label, logs in with the user PIN, and finds or
 * generates the root key `keyLabel` (default 'openvse-root'). The anchor object is labelled
 * `<keyLabel>/anchor`: one sealed store per key label.
 */
export async function openPkcs11Root(opts: Pkcs11RootOptions): Promise<RootOfTrust> {
  const keyLabel = opts.keyLabel ?? DEFAULT_ROOT_KEY_LABEL;
  for (const [name, v] of [
    ['module', opts.module],
    ['tokenLabel', opts.tokenLabel],
    ['pin', opts.pin],
    ['keyLabel', keyLabel],
  ] as const) {
    if (typeof v !== 'string' || v.length === 0) {
      throw new VosError(TeeResult.ERROR_BAD_PARAMETERS, `PKCS#11 ${name} must be a non-empty string`);
    }
  }
  const identity = opts.deviceIdentity ?? defaultDeviceIdentity();
  const pk = pkcs11Lib();
  const mod = acquirePkcs11Module(opts.module);
  const p11 = mod.p11;
  let session: Buffer | undefined;
  try {
    const slot = findSlot(p11, opts.tokenLabel);
    const slotInfo = p11.C_GetSlotInfo(slot);
    const tokenInfo = p11.C_GetTokenInfo(slot);
    const software = /softhsm/i.test(
      `${tokenInfo.manufacturerID} ${tokenInfo.model} ${slotInfo.slotDescription}`,
    );
    const hardwareBacked = (slotInfo.flags & CKF_HW_SLOT) !== 0 && !software;
    session = p11.C_OpenSession(slot, pk.CKF_SERIAL_SESSION | pk.CKF_RW_SESSION);
    const logout = login(pk, p11, session, opts.pin, `${opts.module}\0${slot.toString('hex')}`);
    let key: Buffer;
    try {
      key = findOrGenerateRootKey(pk, p11, session, keyLabel);
    } catch (e) {
      logout();
      throw e;
    }
    return new Pkcs11Root(
      pk,
      p11,
      () => {
        logout();
        mod.release();
      },
      session,
      key,
      hardwareBacked,
      `${keyLabel}/anchor`,
      deviceIdFromIdentity(identity),
    );
  } catch (e) {
    if (session) {
      try {
        p11.C_CloseSession(session);
      } catch {
        // ignore
      }
    }
    mod.release();
    throw p11Error('open', e);
  }
}
