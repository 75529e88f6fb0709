/**
 * The V-OS platform identity: an ECDSA P-256 key pair (FIPS 186-4; JWS alg ES256, RFC 7518 §3.4)
 * created at first boot, whose private half is sealed into V-OS storage by the runtime and whose
 * public half the server pins at enrollment (docs/attestation.md "Platform identity"; the role of OP-TEE's
 * attestation PTA key, pta_attestation.h). Its key id is the RFC 7638 JWK thumbprint.
 * The private key stays in a KeyObject; it leaves only as a JWK for sealing.
 */
import {
  createECDH,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { publicP256Jwk } from '@openvse/attestation';
import { TeeResult, VosError } from '@openvse/protocol';
import { calculateJwkThumbprint } from 'jose';

/** Private signing keys, reachable only through `identitySigningKey` (not re-exported by index.ts). */
const SIGNING_KEYS = new WeakMap<PlatformIdentity, KeyObject>();

function bad(message: string): VosError {
  return new VosError(TeeResult.ERROR_BAD_PARAMETERS, message);
}

/**
 * The V-OS platform identity (docs/attestation.md "Platform identity"): an ECDSA P-256 key pair that
 * signs attestations and device reports with ES256 (RFC 7518 §3.4). Instances are frozen and keep
 * the private key out of reach; make one with `create()` or unseal one with `fromJwk()`, which
 * rejects with VosError TEE_ERROR_BAD_PARAMETERS unless the JWK is a P-256 private key whose x and
 * y match its d.
 */
export class PlatformIdentity {
  /** `{ kty: 'EC', crv: 'P-256', x, y }`, frozen. */
  readonly publicJwk: JsonWebKey;
  /** RFC 7638 thumbprint (SHA-256, base64url) of `publicJwk`; the JWS `kid`. */
  readonly keyId: string;

  private constructor(privateKey: KeyObject, publicJwk: JsonWebKey, keyId: string) {
    this.publicJwk = publicJwk;
    this.keyId = keyId;
    SIGNING_KEYS.set(this, privateKey);
    Object.freeze(this);
  }

  /** A fresh identity (first boot). */
  static async create(): Promise<PlatformIdentity> {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    return PlatformIdentity.#fromKey(privateKey);
  }

  /** The identity unsealed from V-OS storage. The JWK's x/y must match its d. */
  static async fromJwk(privateJwk: JsonWebKey): Promise<PlatformIdentity> {
    const claimed = publicP256Jwk(privateJwk);
    if (typeof privateJwk.d !== 'string') throw bad('platform key JWK lacks the private member d');
    // OpenSSL takes x/y from the JWK as given, so derive the point from d independently:
    // a sealed JWK whose public half was swapped would otherwise sign under a different kid.
    let point: Buffer;
    try {
      const ecdh = createECDH('prime256v1');
      ecdh.setPrivateKey(Buffer.from(privateJwk.d, 'base64url'));
      point = ecdh.getPublicKey(); // 04 ‖ X(32) ‖ Y(32)
    } catch {
      throw bad('platform key JWK is not a valid P-256 private key');
    }
    const x = point.subarray(1, 33).toString('base64url');
    const y = point.subarray(33, 65).toString('base64url');
    if (x !== claimed.x || y !== claimed.y)
      throw bad('platform key JWK: public point does not match the private key');
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: { kty: 'EC', crv: 'P-256', x, y, d: privateJwk.d }, format: 'jwk' });
    } catch {
      throw bad('platform key JWK is not a valid P-256 private key');
    }
    return PlatformIdentity.#fromKey(key);
  }

  static async #fromKey(privateKey: KeyObject): Promise<PlatformIdentity> {
    if (
      privateKey.asymmetricKeyType !== 'ec' ||
      privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1'
    ) {
      throw bad('platform key must be P-256');
    }
    const publicJwk = publicP256Jwk(createPublicKey(privateKey).export({ format: 'jwk' }));
    const keyId = await calculateJwkThumbprint(
      { kty: 'EC', crv: 'P-256', x: publicJwk.x!, y: publicJwk.y! },
      'sha256',
    );
    return new PlatformIdentity(privateKey, publicJwk, keyId);
  }

  /**
   * The private key as a JWK, only so the runtime can seal it into V-OS storage. Never send it,
   * log it or hand it to a TA.
   */
  exportPrivateJwkForSealing(): JsonWebKey {
    const key = SIGNING_KEYS.get(this);
    if (!key) throw new VosError(TeeResult.ERROR_BAD_STATE, 'platform identity has no key');
    const jwk = key.export({ format: 'jwk' });
    return { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, d: jwk.d };
  }
}

/** The signing key of an identity, for createAttestation. Internal to attestation/. */
export function identitySigningKey(identity: PlatformIdentity): KeyObject {
  const key = identity instanceof PlatformIdentity ? SIGNING_KEYS.get(identity) : undefined;
  if (!key) throw bad('attestation needs a PlatformIdentity');
  return key;
}
