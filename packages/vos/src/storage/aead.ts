/**
 * The one AEAD of sealed storage: AES-256-GCM (NIST SP 800-38D) with a 96-bit random IV and a
 * 128-bit tag, under a key made fresh per sealed file by HKDF-SHA256 (RFC 5869) from a parent key
 * and a random 32-byte salt kept in the file. A fresh key per file means no (key, IV) pair can
 * repeat, whatever the number of writes (SP 800-38D §8.3 limits do not come into play).
 * Authentication failure is TEE_ERROR_CORRUPT_OBJECT; nothing is returned unauthenticated.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { TeeResult, VosError } from '@openvse/protocol';

export const SALT_BYTES = 32;
export const IV_BYTES = 12;
export const TAG_BYTES = 16;

export function fileKey(parent: Uint8Array, salt: Uint8Array, info: Uint8Array): Buffer {
  return Buffer.from(hkdfSync('sha256', parent, salt, info, 32));
}

export function randomSaltIv(): { salt: Buffer; iv: Buffer } {
  return { salt: randomBytes(SALT_BYTES), iv: randomBytes(IV_BYTES) };
}

/** ciphertext ‖ tag. The key is zeroed before returning. */
export function gcmSeal(key: Buffer, iv: Buffer, aad: Buffer, plaintext: Uint8Array): Buffer {
  try {
    const c = createCipheriv('aes-256-gcm', key, iv);
    c.setAAD(aad);
    return Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]);
  } finally {
    key.fill(0);
  }
}

/** Plaintext, or TEE_ERROR_CORRUPT_OBJECT. The key is zeroed before returning. */
export function gcmOpen(key: Buffer, iv: Buffer, aad: Buffer, sealed: Buffer, what: string): Buffer {
  try {
    if (sealed.length < TAG_BYTES) throw new VosError(TeeResult.ERROR_CORRUPT_OBJECT, `${what} is truncated`);
    const d = createDecipheriv('aes-256-gcm', key, iv);
    d.setAAD(aad);
    d.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    const out = d.update(sealed.subarray(0, sealed.length - TAG_BYTES));
    try {
      d.final();
    } catch {
      out.fill(0);
      throw new VosError(TeeResult.ERROR_CORRUPT_OBJECT, `${what} failed authentication`);
    }
    return out;
  } finally {
    key.fill(0);
  }
}

/** Length-prefixed (u32 BE) field for unambiguous associated data and HKDF info. */
export function lp(s: string | Uint8Array): Buffer {
  const b = typeof s === 'string' ? Buffer.from(s, 'utf8') : Buffer.from(s);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}

export function u64(v: number | bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(v));
  return b;
}
