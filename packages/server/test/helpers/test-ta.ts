/**
 * A stand-in for the CBP TA on the server's side of the wire (the real TA comes later): its
 * `enc` / `sig` key pairs, a V-OS attestation made by packages/vos createAttestation with a
 * PlatformIdentity, opening server messages (JWE → JWS, with jose), and signing statements.
 */
import { type JsonWebKey, randomBytes, type webcrypto } from 'node:crypto';
import {
  CompactSign,
  calculateJwkThumbprint,
  compactDecrypt,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  type JWTPayload,
  jwtVerify,
} from 'jose';
import { CBP_TA_UUID } from '../../src/config.js';

type Identity = { publicJwk: JsonWebKey; keyId: string };
interface AttestationModule {
  PlatformIdentity: { create(): Promise<Identity> };
  createAttestation(identity: Identity, claims: Record<string, unknown>): Promise<string>;
}

let attestationModule: AttestationModule | undefined;
/** packages/vos/src/attestation (not re-exported by @openvse/vos's index), loaded from its build. */
export async function vosAttestation(): Promise<AttestationModule> {
  if (!attestationModule) {
    const index = import.meta.resolve('@openvse/vos');
    attestationModule = (await import(new URL('./attestation/index.js', index).href)) as AttestationModule;
  }
  return attestationModule;
}

export const TA_CODE_SHA256 = 'c0de'.repeat(16);

export class TestTa {
  deviceId = `dev-${randomBytes(6).toString('hex')}`;
  stateCounter = 1n;
  lastSeq = 0;
  identity!: Identity;
  encPrivate!: webcrypto.CryptoKey;
  encPublicJwk!: JWK;
  sigPrivate!: webcrypto.CryptoKey;
  sigPublicJwk!: JWK;
  sigKid!: string;
  serverJwk?: JWK;

  static async create(): Promise<TestTa> {
    const ta = new TestTa();
    const m = await vosAttestation();
    ta.identity = await m.PlatformIdentity.create();
    const enc = await generateKeyPair('ECDH-ES+A256KW', { crv: 'P-256', extractable: true });
    const sig = await generateKeyPair('ES256', { extractable: true });
    ta.encPrivate = enc.privateKey as webcrypto.CryptoKey;
    ta.sigPrivate = sig.privateKey as webcrypto.CryptoKey;
    const e = await exportJWK(enc.publicKey);
    const s = await exportJWK(sig.publicKey);
    ta.encPublicJwk = { kty: 'EC', crv: 'P-256', x: e.x, y: e.y };
    ta.sigPublicJwk = { kty: 'EC', crv: 'P-256', x: s.x, y: s.y };
    ta.sigKid = await calculateJwkThumbprint(ta.sigPublicJwk, 'sha256');
    return ta;
  }

  async attest(
    nonce: string,
    over: {
      level?: 'L0' | 'L1' | 'L2';
      codeSha256?: string;
      uuid?: string;
      stateCounter?: string;
      noKeys?: boolean;
    } = {},
  ): Promise<string> {
    const m = await vosAttestation();
    const level = over.level ?? 'L1';
    return m.createAttestation(this.identity, {
      vosVersion: '0.1.0',
      deviceId: this.deviceId,
      ta: { uuid: over.uuid ?? CBP_TA_UUID, codeSha256: over.codeSha256 ?? TA_CODE_SHA256, version: '1.0.0' },
      protectionLevel: level,
      permissionModel: level !== 'L0',
      rootOfTrust: {
        kind: level === 'L2' ? 'pkcs11' : 'device-key-file',
        hardwareBacked: level === 'L2',
        anchor: false,
      },
      threatFlags: [],
      ...(over.noKeys ? {} : { taPublicKeys: { enc: this.encPublicJwk, sig: this.sigPublicJwk } }),
      nonce,
      stateCounter: over.stateCounter ?? this.stateCounter.toString(),
    });
  }

  get platformJwk(): Record<string, string> {
    const j = this.identity.publicJwk;
    return { kty: 'EC', crv: 'P-256', x: j.x!, y: j.y! };
  }

  /** Decrypts and verifies a server message as the TA must (docs/cbp-protocol.md §2). */
  async open(
    jwe: string,
  ): Promise<{ header: Record<string, unknown>; jweHeader: Record<string, unknown>; payload: JWTPayload }> {
    const d = await compactDecrypt(jwe, this.encPrivate);
    const key = await importJWK(this.serverJwk!, 'ES256');
    const v = await jwtVerify(new TextDecoder().decode(d.plaintext), key, {
      algorithms: ['ES256'],
      issuer: 'openvse-cbp-server',
      audience: this.deviceId,
      typ: 'openvse-cbp+jwt',
      requiredClaims: ['exp', 'iat', 'jti', 'seq', 'typ'],
    });
    return {
      header: v.protectedHeader as Record<string, unknown>,
      jweHeader: d.protectedHeader as Record<string, unknown>,
      payload: v.payload,
    };
  }

  /** Signs a TA → server statement (docs/cbp-protocol.md §3). */
  async sign(payload: Record<string, unknown>, kid = this.sigKid): Promise<string> {
    return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
      .setProtectedHeader({ alg: 'ES256', typ: 'openvse-ta+jwt', kid })
      .sign(this.sigPrivate);
  }

  bump(): string {
    this.stateCounter += 1n;
    return this.stateCounter.toString();
  }
}

export const b64uToBytes = (s: string) => new Uint8Array(Buffer.from(s, 'base64url'));
