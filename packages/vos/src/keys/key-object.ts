/**
 * One key object inside the secure world (GP TEE Internal Core API v1.3 §5 transient/persistent
 * objects; OP-TEE `struct tee_obj`). Secret material lives only in a Uint8Array owned by this
 * object (never a string or a bigint: those show up in heap snapshots and cannot be wiped,
 * docs/design.md "Key objects") and is zeroed by `wipe()`.
 *  - symmetric keys: `secret` = the key bytes;
 *  - EC_P256: `secret` = the 32-byte private scalar d, `pub` = uncompressed point (65 bytes);
 *  - ED25519: `secret` = the 32-byte seed, `pub` = the 32-byte public key.
 * A Node KeyObject built from the secret is cached for asymmetric operations; it holds its copy in
 * OpenSSL memory and is released to the GC on wipe (JS gives no stronger zeroisation guarantee).
 */
import { createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { KeyType } from './key-types.js';

const P256_PKCS8_PREFIX = Uint8Array.from([
  0x30, 0x41, 0x02, 0x01, 0x00, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08,
  0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x04, 0x27, 0x30, 0x25, 0x02, 0x01, 0x01, 0x04, 0x20,
]);
const ED25519_PKCS8_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);
const P256_SPKI_PREFIX = Uint8Array.from([
  0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48,
  0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
]);
const ED25519_SPKI_PREFIX = Uint8Array.from([
  0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
]);

function concat(a: Uint8Array, b: Uint8Array): Buffer {
  const out = Buffer.alloc(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** A Node private KeyObject for a raw EC scalar / Ed25519 seed; the DER buffer is wiped. */
export function privateKeyFromRaw(type: 'EC_P256' | 'ED25519', secret: Uint8Array): KeyObject {
  const der = concat(type === 'EC_P256' ? P256_PKCS8_PREFIX : ED25519_PKCS8_PREFIX, secret);
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } finally {
    der.fill(0);
  }
}

/** A Node public KeyObject for a raw P-256 point (65 bytes) or Ed25519 key (32 bytes). */
export function publicKeyFromRaw(type: 'EC_P256' | 'ED25519', pub: Uint8Array): KeyObject {
  const der = concat(type === 'EC_P256' ? P256_SPKI_PREFIX : ED25519_SPKI_PREFIX, pub);
  return createPublicKey({ key: der, format: 'der', type: 'spki' });
}

/** The raw public key of a private KeyObject (uncompressed point or 32 bytes). */
export function rawPublicKey(type: 'EC_P256' | 'ED25519', priv: KeyObject): Uint8Array {
  const spki = createPublicKey(priv).export({ format: 'der', type: 'spki' });
  const prefix = type === 'EC_P256' ? P256_SPKI_PREFIX.length : ED25519_SPKI_PREFIX.length;
  return new Uint8Array(spki.subarray(prefix));
}

/** The public JWK of a raw public key (RFC 7518 §6.2 EC / RFC 8037 OKP). */
export function publicJwk(type: string, pub: Uint8Array): JsonWebKey {
  if (type === 'EC_P256') {
    return {
      kty: 'EC',
      crv: 'P-256',
      x: Buffer.from(pub.subarray(1, 33)).toString('base64url'),
      y: Buffer.from(pub.subarray(33, 65)).toString('base64url'),
    };
  }
  return { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(pub).toString('base64url') };
}

/** Reads the raw private part of a freshly generated pkcs8 DER, then wipes the DER. */
export function rawPrivateFromPkcs8(type: 'EC_P256' | 'ED25519', der: Buffer): Uint8Array {
  try {
    if (type === 'ED25519') return new Uint8Array(der.subarray(16, 48));
    // SEC1 ECPrivateKey inside PKCS#8: ... 04 20 <d> ; find the first OCTET STRING of 32 bytes after the algorithm id.
    for (let i = 26; i < der.length - 33; i++) {
      if (
        der[i] === 0x04 &&
        der[i + 1] === 0x20 &&
        der[i - 3] === 0x02 &&
        der[i - 2] === 0x01 &&
        der[i - 1] === 0x01
      ) {
        return new Uint8Array(der.subarray(i + 2, i + 34));
      }
    }
    throw new Error('unexpected pkcs8 layout');
  } finally {
    der.fill(0);
  }
}

export class KeyObj {
  readonly type: KeyType;
  usage: number;
  readonly secret: Uint8Array;
  readonly pub: Uint8Array | null;
  /** Sealed-storage id when the key is persistent. */
  persistentId: string | null = null;
  #priv: KeyObject | null = null;
  #wiped = false;

  constructor(type: KeyType, secret: Uint8Array, usage: number, pub: Uint8Array | null) {
    this.type = type;
    this.secret = secret;
    this.usage = usage;
    this.pub = pub;
  }

  get wiped(): boolean {
    return this.#wiped;
  }

  /** Cached private KeyObject for asymmetric keys. */
  privateKey(): KeyObject {
    if (this.type !== 'EC_P256' && this.type !== 'ED25519') throw new Error('not an asymmetric key');
    if (!this.#priv) this.#priv = privateKeyFromRaw(this.type, this.secret);
    return this.#priv;
  }

  wipe(): void {
    this.secret.fill(0);
    this.#priv = null;
    this.#wiped = true;
  }
}
