/**
 * App-manifest signing keys: Ed25519 (RFC 8032), PKCS#8 / SPKI PEM (RFC 8410). The key id is the
 * RFC 7638 JWK thumbprint of the public key, the same naming as V-OS's TA-signing keys, so one key
 * has one name everywhere. The public key is pinned in the app (V-Guard configuration).
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { VGuardErrorCode } from '../errors.js';

/** An Ed25519 manifest-signing key pair in PEM, with its key id. */
export type GuardKeyPair = { privateKeyPem: string; publicKeyPem: string; keyId: string };

/** A key that is not an Ed25519 key in the expected PEM form. */
export class ManifestKeyError extends Error {
  readonly code = VGuardErrorCode.BAD_KEY;
}

/** A fresh Ed25519 manifest-signing key pair. */
export function generateManifestKeyPair(): GuardKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    keyId: manifestKeyId(publicKey),
  };
}

/** RFC 7638 JWK thumbprint (base64url SHA-256) of an Ed25519 public key. */
export function manifestKeyId(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' }) as { x?: string };
  const thumb = `{"crv":"Ed25519","kty":"OKP","x":"${jwk.x ?? ''}"}`;
  return createHash('sha256').update(thumb).digest('base64url');
}

/** Loads an Ed25519 private key from PKCS#8 PEM (ManifestKeyError otherwise). */
export function loadManifestPrivateKey(pem: string): KeyObject {
  let k: KeyObject;
  try {
    k = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new ManifestKeyError('manifest signing key is not a readable PEM private key');
  }
  if (k.asymmetricKeyType !== 'ed25519') throw new ManifestKeyError('manifest signing key must be Ed25519');
  return k;
}

/** Loads an Ed25519 public key from SPKI PEM (ManifestKeyError otherwise). */
export function loadManifestPublicKey(pem: string): KeyObject {
  if (/PRIVATE KEY/.test(pem)) throw new ManifestKeyError('a pinned manifest key must be a public key');
  let k: KeyObject;
  try {
    k = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw new ManifestKeyError('pinned manifest key is not a readable PEM public key');
  }
  if (k.asymmetricKeyType !== 'ed25519') throw new ManifestKeyError('pinned manifest key must be Ed25519');
  return k;
}
