/**
 * Key-file root of trust (the default): a random 32-byte device root key created at first boot
 * and stored under `dir` wrapped with AES-256-GCM (NIST SP 800-38D) under a key derived with
 * HKDF-SHA256 (RFC 5869) from the device binding identity (see device-identity.ts). Namespace keys
 * are HMAC-SHA256(root, label) (derivation-label.ts), the OP-TEE TSK construction.
 *
 * A data folder copied to a machine with another identity does not open:
 * VosError(TEE_ERROR_SECURITY, 'bound to another device'). Honest limit: the wrapping key comes
 * from the machine identity, which is not secret on the device itself; root (or any user who can
 * read /etc/machine-id and the data folder) can unwrap the root key. Protection level: none
 * against a local attacker; there is no monotonic anchor (rollback is detected by the server via
 * the state counter).
 *
 * File layout (116 bytes): magic "OVSERK01" ‖ salt(32) ‖ fingerprint(16) ‖ iv(12) ‖ ct(32) ‖ tag(16),
 * AAD = magic ‖ salt ‖ fingerprint; fingerprint = HKDF(identity, salt, "…/fingerprint") tells a
 * foreign device (SECURITY) apart from a damaged file (CORRUPT_OBJECT).
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import { constants as fsc } from 'node:fs';
import { link, mkdir, open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { TeeResult, VosError } from '@openvse/protocol';
import { derivationMessage } from './derivation-label.js';
import { defaultDeviceIdentity, deviceIdFromIdentity } from './device-identity.js';
import type { RootOfTrust, RootOfTrustDescription } from './types.js';

export const KEY_FILE_NAME = 'root-key.sealed';
const MAGIC = Buffer.from('OVSERK01', 'ascii');
const SALT_LEN = 32;
const FP_LEN = 16;
const IV_LEN = 12;
const KEY_LEN = 32;
const TAG_LEN = 16;
const AAD_LEN = MAGIC.length + SALT_LEN + FP_LEN;
const FILE_LEN = AAD_LEN + IV_LEN + KEY_LEN + TAG_LEN;

function hkdf(identity: string, salt: Buffer, info: string, len: number): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(identity, 'utf8'), salt, Buffer.from(info, 'utf8'), len));
}

function fingerprint(identity: string, salt: Buffer): Buffer {
  return hkdf(identity, salt, 'openvse/keyfile-root/fingerprint/v1', FP_LEN);
}

function wrapRootKey(rootKey: Buffer, identity: string): Buffer {
  const salt = randomBytes(SALT_LEN);
  const aad = Buffer.concat([MAGIC, salt, fingerprint(identity, salt)]);
  const iv = randomBytes(IV_LEN);
  const kek = hkdf(identity, salt, 'openvse/keyfile-root/wrap/v1', 32);
  try {
    const c = createCipheriv('aes-256-gcm', kek, iv);
    c.setAAD(aad);
    const ct = Buffer.concat([c.update(rootKey), c.final()]);
    return Buffer.concat([aad, iv, ct, c.getAuthTag()]);
  } finally {
    kek.fill(0);
  }
}

function unwrapRootKey(file: Buffer, identity: string): Buffer {
  if (file.length !== FILE_LEN || !file.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new VosError(TeeResult.ERROR_CORRUPT_OBJECT, 'root key file is corrupt');
  }
  const salt = file.subarray(MAGIC.length, MAGIC.length + SALT_LEN);
  const fp = file.subarray(MAGIC.length + SALT_LEN, AAD_LEN);
  if (!timingSafeEqual(fp, fingerprint(identity, salt))) {
    throw new VosError(TeeResult.ERROR_SECURITY, 'root key file is bound to another device');
  }
  const iv = file.subarray(AAD_LEN, AAD_LEN + IV_LEN);
  const ct = file.subarray(AAD_LEN + IV_LEN, AAD_LEN + IV_LEN + KEY_LEN);
  const tag = file.subarray(AAD_LEN + IV_LEN + KEY_LEN);
  const kek = hkdf(identity, salt, 'openvse/keyfile-root/wrap/v1', 32);
  try {
    const d = createDecipheriv('aes-256-gcm', kek, iv);
    d.setAAD(file.subarray(0, AAD_LEN));
    d.setAuthTag(tag);
    const out = d.update(ct);
    try {
      d.final();
    } catch {
      out.fill(0);
      throw new VosError(TeeResult.ERROR_CORRUPT_OBJECT, 'root key file is corrupt');
    }
    return out;
  } finally {
    kek.fill(0);
  }
}

/** Creates the key file only if none exists (write temp, fsync, link: link never overwrites). */
async function createExclusive(dir: string, path: string, bytes: Buffer): Promise<boolean> {
  const tmp = join(dir, `.${KEY_FILE_NAME}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, fsc.O_CREAT | fsc.O_EXCL | fsc.O_WRONLY, 0o600);
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await link(tmp, path);
    const dh = await open(dir, fsc.O_RDONLY);
    try {
      await dh.sync();
    } finally {
      await dh.close();
    }
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

async function loadOrCreateRootKey(dir: string, identity: string): Promise<Buffer> {
  const path = join(dir, KEY_FILE_NAME);
  for (let attempt = 0; attempt < 2; attempt++) {
    let file: Buffer | undefined;
    try {
      file = await readFile(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    if (file) return unwrapRootKey(file, identity);
    const rootKey = randomBytes(KEY_LEN);
    let created = false;
    try {
      created = await createExclusive(dir, path, wrapRootKey(rootKey, identity));
    } finally {
      if (!created) rootKey.fill(0); // failed, or another process created it first: read theirs
    }
    if (created) return rootKey;
  }
  throw new VosError(TeeResult.ERROR_STORAGE_NOT_AVAILABLE, 'root key file could not be created');
}

class KeyFileRoot implements RootOfTrust {
  readonly kind = 'keyfile' as const;
  readonly hardwareBacked = false;
  readonly anchor = undefined;
  #rootKey: Buffer | null;
  readonly #deviceId: string;

  constructor(rootKey: Buffer, deviceId: string) {
    this.#rootKey = rootKey;
    this.#deviceId = deviceId;
  }

  async deriveKey(label: string): Promise<Uint8Array> {
    const msg = derivationMessage(label);
    if (!this.#rootKey) throw new VosError(TeeResult.ERROR_BAD_STATE, 'root of trust is closed');
    return createHmac('sha256', this.#rootKey).update(msg).digest();
  }

  describe(): RootOfTrustDescription {
    return { kind: this.kind, hardwareBacked: false, anchor: false, deviceId: this.#deviceId };
  }

  async close(): Promise<void> {
    this.#rootKey?.fill(0);
    this.#rootKey = null;
  }
}

/**
 * Opens (or creates at first boot) the key-file root under `dir`. `deviceIdentity` defaults to
 * defaultDeviceIdentity(); tests inject another one to simulate another device.
 */
export async function openKeyFileRoot(opts: { dir: string; deviceIdentity?: string }): Promise<RootOfTrust> {
  const identity = opts.deviceIdentity ?? defaultDeviceIdentity();
  if (typeof identity !== 'string' || identity.length === 0) {
    throw new VosError(TeeResult.ERROR_BAD_PARAMETERS, 'device identity must be a non-empty string');
  }
  if (typeof opts.dir !== 'string' || opts.dir.length === 0) {
    throw new VosError(TeeResult.ERROR_BAD_PARAMETERS, 'key file directory must be a non-empty string');
  }
  await mkdir(opts.dir, { recursive: true, mode: 0o700 });
  const rootKey = await loadOrCreateRootKey(opts.dir, identity);
  return new KeyFileRoot(rootKey, deviceIdFromIdentity(identity));
}
