/**
 * A stand-in for the CBP TA on the server's side of the wire (the real TA comes later): its
 * `enc` / `sig` key pairs, a V-OS attestation made by packages/vos createAttestation with a
 * PlatformIdentity, opening server messages (JWE → JWS, with jose), and signing statements.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
  randomBytes,
  type webcrypto,
} from 'node:crypto';
import { type AttestationClaims, claimsProblem } from '@openvse/attestation';
import {
  ATTESTATION_TYP,
  CBP_TA_UUID,
  DEVICE_REPORT_TYP,
  DEVICE_REQUEST_TYP,
  SIGNATURE_ALG,
} from '@openvse/protocol';
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
  SignJWT,
} from 'jose';

/**
 * A V-OS platform identity as the server sees one: an ES256 key pair whose public JWK is pinned at
 * enrollment, and the statements it signs (attestations, device reports) exactly as
 * docs/attestation.md and docs/cbp-protocol.md §6 specify them. The server's tests sign with jose
 * here; that V-OS itself produces statements this server accepts is shown end to end in
 * packages/e2e.
 */
export class PlatformIdentity {
  private constructor(
    readonly publicJwk: JsonWebKey,
    readonly keyId: string,
    private readonly privateKey: KeyObject,
  ) {}

  /** A fresh identity, or one made from a private JWK the test also holds. */
  static async create(privateJwk?: JsonWebKey): Promise<PlatformIdentity> {
    const privateKey = privateJwk
      ? createPrivateKey({ key: privateJwk, format: 'jwk' })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const full = createPublicKey(privateKey).export({ format: 'jwk' });
    const publicJwk = { kty: 'EC', crv: 'P-256', x: full.x, y: full.y } as JsonWebKey;
    return new PlatformIdentity(
      publicJwk,
      await calculateJwkThumbprint(publicJwk as JWK, 'sha256'),
      privateKey,
    );
  }

  /** Signs `payload` (with `iat`) under the header V-OS uses for `typ`. */
  sign(typ: string, payload: Record<string, unknown>): Promise<string> {
    return new SignJWT(payload)
      .setProtectedHeader({ alg: SIGNATURE_ALG, typ, kid: this.keyId })
      .setIssuedAt()
      .sign(this.privateKey);
  }

  /** An attestation statement; the claims are checked first, as V-OS checks them. */
  attest(claims: AttestationClaims): Promise<string> {
    const problem = claimsProblem(claims);
    if (problem) throw new Error(`test attestation: ${problem}`);
    return this.sign(ATTESTATION_TYP, { ...claims });
  }

  /** A threat report or heartbeat. */
  report(claims: Record<string, unknown>): Promise<string> {
    return this.sign(DEVICE_REPORT_TYP, claims);
  }
}

export const TA_CODE_SHA256 = 'c0de'.repeat(16);

export class TestTa {
  deviceId = `dev-${randomBytes(6).toString('hex')}`;
  stateCounter = 1n;
  lastSeq = 0;
  identity!: PlatformIdentity;
  encPrivate!: webcrypto.CryptoKey;
  encPublicJwk!: JWK;
  sigPrivate!: webcrypto.CryptoKey;
  sigPublicJwk!: JWK;
  sigKid!: string;
  serverJwk?: JWK;

  static async create(): Promise<TestTa> {
    const ta = new TestTa();
    ta.identity = await PlatformIdentity.create();
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

  /**
   * A device request proof (docs/cbp-protocol.md §7) by the platform identity for `htm htu` with
   * `body`; `over` changes one claim (the tests' forgeries).
   */
  requestProof(
    htm: string,
    htu: string,
    body = '',
    over: Partial<{ deviceId: string; jti: string }> = {},
  ): Promise<string> {
    return this.identity.sign(DEVICE_REQUEST_TYP, {
      typ: 'device-request',
      deviceId: over.deviceId ?? this.deviceId,
      htm,
      htu,
      bd: createHash('sha256').update(body).digest('base64url'),
      jti: over.jti ?? randomBytes(16).toString('base64url'),
    });
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
    const level = over.level ?? 'L1';
    return this.identity.attest({
      vosVersion: '0.1.0',
      deviceId: this.deviceId,
      ta: { uuid: over.uuid ?? CBP_TA_UUID, codeSha256: over.codeSha256 ?? TA_CODE_SHA256, version: '1.0.0' },
      protectionLevel: level,
      isolation: {
        mode: level === 'L0' ? 'embedded' : 'process',
        appConfined: level !== 'L0',
        separateUser: level === 'L2',
      },
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
