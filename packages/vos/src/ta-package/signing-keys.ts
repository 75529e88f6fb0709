/**
 * TA-signing keys: Ed25519 (RFC 8032) key pairs, their loading from PEM (PKCS#8 private, SPKI
 * public, RFC 8410) and their key id, the RFC 7638 JWK thumbprint of the public key
 * (`{"crv":"Ed25519","kty":"OKP","x":…}`, RFC 8037 §2) so one key has one name everywhere.
 * The public key is what V-OS pins in its host configuration (OP-TEE pins its TA-signing key
 * in the TEE core build, trusted_applications.rst).
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject } from 'node:crypto';
import { TeeResult, VosError } from '@openvse/protocol';

/**
 * An Ed25519 (RFC 8032) TA-signing key pair as PEM, PKCS#8 private and SPKI public (RFC 8410), with
 * its key id: the base64url RFC 7638 thumbprint of the public key, 43 characters.
 */
export type TaSigningKeyPair = { privateKeyPem: string; publicKeyPem: string; keyId: string };

/** A fresh Ed25519 TA-signing key pair as PEM (PKCS#8 private, SPKI public) and its key id. */
export function generateTaSigningKeyPair(): TaSigningKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    keyId: taKeyId(publicKey),
  };
}

function bad(message: string): VosError {
  return new VosError(TeeResult.ERROR_BAD_PARAMETERS, message);
}

/** An Ed25519 private KeyObject from a KeyObject or a PKCS#8 PEM string. */
export function loadTaSigningKey(key: KeyObject | string): KeyObject {
  let k: KeyObject;
  if (key instanceof KeyObject) {
    k = key;
  } else if (typeof key === 'string') {
    try {
      k = createPrivateKey({ key, format: 'pem' });
    } catch {
      throw bad('TA signing key is not a readable PEM private key');
    }
  } else {
    throw bad('TA signing key must be a KeyObject or a PEM string');
  }
  if (k.type !== 'private' || k.asymmetricKeyType !== 'ed25519') {
    throw bad('TA signing key must be an Ed25519 private key');
  }
  return k;
}

/** An Ed25519 public KeyObject from a KeyObject or an SPKI PEM string. Private keys are refused. */
export function loadTaPublicKey(key: KeyObject | string): KeyObject {
  let k: KeyObject;
  if (key instanceof KeyObject) {
    k = key;
  } else if (typeof key === 'string') {
    if (/PRIVATE KEY/.test(key)) throw bad('a pinned TA key must be a public key, not a private key');
    try {
      k = createPublicKey({ key, format: 'pem' });
    } catch {
      throw bad('pinned TA key is not a readable PEM public key');
    }
  } else {
    throw bad('pinned TA key must be a KeyObject or a PEM string');
  }
  if (k.type !== 'public' || k.asymmetricKeyType !== 'ed25519') {
    throw bad('pinned TA key must be an Ed25519 public key');
  }
  return k;
}

/** The raw 32-byte RFC 7638 thumbprint (SHA-256 of the canonical public JWK). */
export function taKeyIdBytes(key: KeyObject): Uint8Array {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  if (pub.asymmetricKeyType !== 'ed25519') throw bad('TA keys are Ed25519');
  const jwk = pub.export({ format: 'jwk' });
  // RFC 7638 §3.2: required members only, lexicographic order, no whitespace.
  const canonical = JSON.stringify({ crv: 'Ed25519', kty: 'OKP', x: jwk.x });
  return new Uint8Array(createHash('sha256').update(canonical, 'utf8').digest());
}

/** The key id: base64url RFC 7638 thumbprint of the Ed25519 public key (43 characters). */
export function taKeyId(key: KeyObject | string): string {
  const k = typeof key === 'string' ? loadTaPublicKeyOrPrivate(key) : key;
  return Buffer.from(taKeyIdBytes(k)).toString('base64url');
}

function loadTaPublicKeyOrPrivate(pem: string): KeyObject {
  return /PRIVATE KEY/.test(pem) ? loadTaSigningKey(pem) : loadTaPublicKey(pem);
}
