/**
 * The pure-JavaScript platform (src/pure-platform.ts, `@openvse/cbp-ta/pure`): nothing from Node
 * in its module graph, JOSE that interoperates with jose (the server's library) both ways, a
 * retail MAC equal to node:crypto's, the usage flags of the software platform, and the core on it
 * answering profile V taps exactly as on the software platform. The 40-tap comparison (profiles
 * V and M, mobile PINs, ARPCs, replenishment MACs) and the same TA on Hermes are packages/hermes's
 * test.
 */
import assert from 'node:assert/strict';
import { randomBytes, type webcrypto } from 'node:crypto';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  bytesToBase64url,
  bytesToHex,
  hexToBytes,
  issuerDeriveAcKey,
  issuerVerifyCryptogram,
  luhnCheckDigit,
  macIso9797Alg3,
  openvseProfileV,
  parseTlv,
  tlvToMap,
} from '@openvse/emv';
import { SERVER_ISSUER, SERVER_MESSAGE_TYP } from '@openvse/protocol';
import { buildSync } from 'esbuild';
import {
  CompactEncrypt,
  CompactSign,
  calculateJwkThumbprint,
  compactVerify,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
} from 'jose';
import { type CbpCore, type CbpPlatform, createCbpCore, createSoftwarePlatform } from '../src/index.js';
import { createPurePlatform } from '../src/pure.js';

const rnd = (n: number) => new Uint8Array(randomBytes(n));
const enc = new TextEncoder();
type CryptoKey = webcrypto.CryptoKey;

describe('pure platform: module graph', () => {
  it('@openvse/cbp-ta/pure bundles for a neutral platform with no Node module, Buffer or process', () => {
    const out = buildSync({
      entryPoints: [fileURLToPath(new URL('../src/pure.js', import.meta.url))],
      bundle: true,
      write: false,
      platform: 'neutral',
      format: 'esm',
      mainFields: ['module', 'main'],
    });
    const code = out.outputFiles[0]!.text;
    assert.doesNotMatch(code, /["']node:|\brequire\(|\bBuffer\.|\bprocess\./);
    assert.doesNotMatch(code, /\bjose\b.*import|from ["']esbuild/);
  });

  it('refuses to start without a randomness source', async () => {
    await assert.rejects(createPurePlatform({} as never), /randomBytes is required/);
  });
});

describe('pure platform: JOSE interoperates with jose', async () => {
  const p = await createPurePlatform({ randomBytes: rnd });
  const encKey = await p.generateEcKey('enc');
  const sigKey = await p.generateEcKey('sig');
  const encJwk = await p.publicJwk(encKey);

  it('opens ECDH-ES+A256KW / A256GCM JWEs made by jose (with and without apu/apv), refuses tampering', async () => {
    for (const extra of [{}, { apu: bytesToBase64url(rnd(8)), apv: bytesToBase64url(rnd(8)) }]) {
      const text = enc.encode(`hello ${JSON.stringify(extra)}`);
      const jwe = await new CompactEncrypt(text)
        .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', cty: 'JWT', ...extra })
        .encrypt(await importJWK(encJwk as JWK, 'ECDH-ES+A256KW'));
      const r = await p.decryptJwe(encKey, jwe);
      assert.deepEqual(r.plaintext, text);
      assert.equal(r.protectedHeader.cty, 'JWT');
      const parts = jwe.split('.');
      const tag = parts[4]!;
      parts[4] = (tag[0] === 'A' ? 'B' : 'A') + tag.slice(1);
      await assert.rejects(p.decryptJwe(encKey, parts.join('.')));
    }
    const direct = await new CompactEncrypt(enc.encode('x'))
      .setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM' })
      .encrypt(await importJWK(encJwk as JWK, 'ECDH-ES'));
    await assert.rejects(p.decryptJwe(encKey, direct), /only ECDH-ES\+A256KW/);
    await assert.rejects(p.decryptJwe(sigKey, direct), /usage/);
  });

  it('verifies ES256 JWSs made by jose (high and low S), refuses a changed payload or another alg', async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    const pub = await exportJWK(pair.publicKey);
    const jwk = { kty: 'EC' as const, crv: 'P-256' as const, x: pub.x!, y: pub.y! };
    for (let i = 0; i < 16; i++) {
      const jws = await new CompactSign(enc.encode(`payload ${i}`))
        .setProtectedHeader({ alg: 'ES256', typ: 't' })
        .sign(pair.privateKey);
      const r = await p.verifyJws(jws, jwk);
      assert.equal(new TextDecoder().decode(r.payload), `payload ${i}`);
      const [h, , s] = jws.split('.');
      await assert.rejects(p.verifyJws(`${h}.${bytesToBase64url(enc.encode('other'))}.${s}`, jwk));
    }
    const hs = await new CompactSign(enc.encode('x'))
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new Uint8Array(32));
    await assert.rejects(p.verifyJws(hs, jwk), /only ES256/);
  });

  it('signs ES256 JWSs that jose verifies, and computes jose’s RFC 7638 thumbprints', async () => {
    const jwk = await p.publicJwk(sigKey);
    const jws = await p.signJws(sigKey, enc.encode('{"a":1}'), { alg: 'ES256', typ: 'x', kid: 'k' });
    const r = await compactVerify(jws, await importJWK(jwk as JWK, 'ES256'));
    assert.equal(new TextDecoder().decode(r.payload), '{"a":1}');
    assert.deepEqual(r.protectedHeader, { alg: 'ES256', typ: 'x', kid: 'k' });
    assert.equal(await p.thumbprint(jwk), await calculateJwkThumbprint(jwk as JWK, 'sha256'));
    await assert.rejects(p.signJws(encKey, enc.encode('x'), { alg: 'ES256' }), /usage/);
  });

  it('attests honestly (L0, software root of trust) with a JWS jose verifies under the platform key', async () => {
    const jws = await p.attest(bytesToBase64url(rnd(16)), [encKey, sigKey]);
    await compactVerify(jws, await importJWK(p.platformPublicJwk as JWK, 'ES256'));
    const h = decodeProtectedHeader(jws);
    assert.equal(h.typ, 'openvse-attestation+jwt');
    assert.equal(h.kid, await calculateJwkThumbprint(p.platformPublicJwk as JWK, 'sha256'));
    const c = decodeJwt(jws) as Record<string, unknown>;
    assert.equal(c.protectionLevel, 'L0');
    assert.deepEqual(c.rootOfTrust, { kind: 'software', hardwareBacked: false, anchor: false });
    assert.equal(c.deviceId, p.deviceId);
  });
});

describe('pure platform: keys and MACs', async () => {
  const p = await createPurePlatform({ randomBytes: rnd });
  it('retail MAC equals emv on node:crypto; usage flags hold', async () => {
    for (let i = 0; i < 50; i++) {
      const key = rnd(16);
      const data = rnd(i);
      const h = await p.importDes3Key(key, 'mac');
      assert.equal(bytesToHex(await p.retailMac(h, data)), bytesToHex(macIso9797Alg3(key, data, 2)));
    }
    const d = await p.importDes3Key(rnd(16), 'derive');
    await assert.rejects(p.retailMac(d, rnd(8)), /usage/);
    const m = await p.xorDeriveDes3Key(d, rnd(16));
    await p.retailMac(m, rnd(8));
    await assert.rejects(p.xorDeriveDes3Key(m, rnd(16)), /usage/);
  });
});

// ── the core on both platforms, one card of each profile ─────────────────────────────────────

const IMK = '0123456789ABCDEFFEDCBA9876543210';
const PAN = `476173900101001${luhnCheckDigit('476173900101001')}`;
const NOW = Date.UTC(2026, 5, 1);

async function enrolledCore(platform: CbpPlatform, server: { key: CryptoKey; jwk: JWK; kid: string }) {
  const core = createCbpCore(platform);
  const att = await core.enroll({ nonce: bytesToBase64url(rnd(16)), serverSigningJwk: server.jwk as never });
  const c = decodeJwt(att) as { deviceId: string; taPublicKeys: { enc: JWK } };
  const key = issuerDeriveAcKey(openvseProfileV, { imkAc: IMK, pan: PAN, psn: '01', api: '6100100' });
  const bodies = [
    {
      typ: 'provision',
      card: {
        cardId: 'v1',
        profile: 'V',
        pan: PAN,
        psn: '01',
        expiry: '2812',
        aid: 'A0000000031010',
        label: 'OPENVSE VISA',
        priority: 1,
        aip: '0080',
        cvmLimit: 5000,
        currency: '0978',
        country: '0250',
        cdcvmResetTimeoutSec: 300,
        mobilePin: false,
        kdi: '01',
        replenishBelow: 1,
      },
    },
    {
      typ: 'credentials',
      cardId: 'v1',
      luk: {
        api: '6100100',
        dki: '01',
        key: bytesToBase64url(key),
        maxTransactions: 10,
        notAfter: NOW / 1000 + 3600,
        maxAmount: 100000,
      },
    },
  ];
  for (const [i, body] of bodies.entries()) {
    const claims = {
      iss: SERVER_ISSUER,
      aud: c.deviceId,
      iat: NOW / 1000,
      exp: NOW / 1000 + 600,
      jti: `j${i}`,
      seq: i + 1,
      ...body,
    };
    const jws = await new CompactSign(enc.encode(JSON.stringify(claims)))
      .setProtectedHeader({ alg: 'ES256', typ: SERVER_MESSAGE_TYP, kid: server.kid })
      .sign(server.key);
    const jwe = await new CompactEncrypt(enc.encode(jws))
      .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', cty: 'JWT' })
      .encrypt(await importJWK(c.taPublicKeys.enc, 'ECDH-ES+A256KW'));
    await core.processMessage(jwe);
  }
  return core;
}

describe('the core on the pure platform', () => {
  it('makes the same profile V cryptograms as on the software platform, and the issuer accepts them', async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    const pub = await exportJWK(pair.publicKey);
    const jwk = { kty: 'EC', crv: 'P-256', x: pub.x, y: pub.y } as JWK;
    const server = {
      key: pair.privateKey as CryptoKey,
      jwk,
      kid: await calculateJwkThumbprint(jwk, 'sha256'),
    };
    const clock = { now: () => NOW };
    const cores: CbpCore[] = [
      await enrolledCore(await createSoftwarePlatform({ clock }), server),
      await enrolledCore(await createPurePlatform({ randomBytes: rnd, clock }), server),
    ];
    for (let i = 0; i < 5; i++) {
      const pdol = hexToBytes(
        `36000000${String(1000 + i).padStart(12, '0')}${'0'.repeat(12)}0250${'0'.repeat(10)}097826060100${(0xcafe00 + i).toString(16).padStart(8, '0')}`,
      );
      const [a, b] = [await cores[0]!.gpoV('v1', pdol), await cores[1]!.gpoV('v1', pdol)];
      assert.equal(a.reason, 0);
      assert.deepEqual(b, a);
      const m = tlvToMap(parseTlv(b.elements));
      const t = pdol.subarray(4);
      const v = issuerVerifyCryptogram(openvseProfileV, {
        amountAuthorized: t.subarray(0, 6),
        amountOther: t.subarray(6, 12),
        terminalCountryCode: t.subarray(12, 14),
        tvr: t.subarray(14, 19),
        transactionCurrencyCode: t.subarray(19, 21),
        transactionDate: t.subarray(21, 24),
        transactionType: t.subarray(24, 25),
        unpredictableNumber: t.subarray(25, 29),
        aip: m.get('82')!,
        atc: m.get('9F36')!,
        iad: m.get('9F10')!,
        imkAc: IMK,
        pan: PAN,
        psn: '01',
        arqc: m.get('9F26')!,
      });
      assert.equal(v.valid, true);
    }
  });
});
