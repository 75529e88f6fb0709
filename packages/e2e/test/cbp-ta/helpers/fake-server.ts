/**
 * A stand-in server for tests that need messages the real server does not make (its own ES256
 * key pinned at ENROLL): seals JWS-in-JWE messages exactly as docs/cbp-protocol.md §2 says, with
 * jose, and provisions a profile V card with a known LUK.
 */
import { randomBytes, type webcrypto } from 'node:crypto';
import type { CbpCore } from '@openvse/cbp-ta';
import {
  CompactEncrypt,
  CompactSign,
  calculateJwkThumbprint,
  decodeJwt,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
} from 'jose';

export class FakeServer {
  key!: webcrypto.CryptoKey;
  jwk!: JWK;
  kid!: string;
  deviceId = '';
  encJwk!: JWK;
  seq = 0;

  static async create(): Promise<FakeServer> {
    const f = new FakeServer();
    const pair = await generateKeyPair('ES256', { extractable: true });
    f.key = pair.privateKey as webcrypto.CryptoKey;
    const pub = await exportJWK(pair.publicKey);
    f.jwk = { kty: 'EC', crv: 'P-256', x: pub.x, y: pub.y };
    f.kid = await calculateJwkThumbprint(f.jwk, 'sha256');
    return f;
  }

  async enroll(core: CbpCore): Promise<string> {
    const att = await core.enroll({
      nonce: randomBytes(16).toString('base64url'),
      serverSigningJwk: this.jwk as never,
    });
    const c = decodeJwt(att) as { deviceId: string; taPublicKeys: { enc: JWK } };
    this.deviceId = c.deviceId;
    this.encJwk = c.taPublicKeys.enc;
    return att;
  }

  async message(claims: Record<string, unknown>): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const body = {
      iss: 'openvse-cbp-server',
      aud: this.deviceId,
      iat: now,
      exp: now + 600,
      jti: randomBytes(8).toString('hex'),
      seq: ++this.seq,
      ...claims,
    };
    const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(body)))
      .setProtectedHeader({ alg: 'ES256', typ: 'openvse-cbp+jwt', kid: this.kid })
      .sign(this.key);
    return new CompactEncrypt(new TextEncoder().encode(jws))
      .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', cty: 'JWT' })
      .encrypt(await importJWK(this.encJwk, 'ECDH-ES+A256KW'));
  }

  /** Provisions profile V card `cardId` with the LUK `luk` (16 bytes). */
  async provisionV(core: CbpCore, cardId: string, luk: Uint8Array, maxTransactions = 1000): Promise<void> {
    await core.processMessage(
      await this.message({
        typ: 'provision',
        card: {
          cardId,
          profile: 'V',
          pan: '4111111111111111',
          psn: '00',
          expiry: '2812',
          aid: 'A0000000031010',
          label: 'TEST VISA',
          priority: 1,
          aip: '0080',
          cvmLimit: 5000,
          currency: '0978',
          country: '0250',
          cdcvmResetTimeoutSec: 300,
          kdi: '01',
          replenishBelow: 3,
        },
      }),
    );
    await core.processMessage(
      await this.message({
        typ: 'credentials',
        cardId,
        luk: {
          api: '6123402',
          dki: '01',
          key: Buffer.from(luk).toString('base64url'),
          maxTransactions,
          notAfter: Math.floor(Date.now() / 1000) + 3600,
          maxAmount: 999_999_999,
        },
      }),
    );
  }
}
