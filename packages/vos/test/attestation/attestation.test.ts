/**
 * Attestation statements: created by the platform identity, verifiable with plain `jose`
 * (compactVerify / jwtVerify and nothing of ours), and refused when the nonce, payload, key,
 * algorithm or type is wrong.
 */

import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import { type AttestationClaims, verifyAttestation } from '@openvse/attestation';
import { TeeResult, VosError } from '@openvse/protocol';
import {
  base64url,
  calculateJwkThumbprint,
  compactVerify,
  decodeProtectedHeader,
  importJWK,
  jwtVerify,
  SignJWT,
} from 'jose';
import { createAttestation, PlatformIdentity } from '../../src/attestation/index.js';

const NONCE = 'c2VydmVyLW5vbmNlLTEyMzQ1Njc4OTA';

function claims(patch: Partial<AttestationClaims> = {}): AttestationClaims {
  return {
    vosVersion: '0.1.0',
    deviceId: 'dev-0001',
    ta: { uuid: '6e1c2c8a-7b5e-4d1f-9a53-0c1d2e3f4a5b', codeSha256: 'ab'.repeat(32), version: '1.2.3' },
    protectionLevel: 'L1',
    isolation: { mode: 'process', appConfined: true, separateUser: false },
    rootOfTrust: { kind: 'device-file', hardwareBacked: false, anchor: false },
    threatFlags: [],
    guardVerdict: { verdict: 'clean', seq: 7 },
    taPublicKeys: { sign: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' } },
    nonce: NONCE,
    stateCounter: '42',
    ...patch,
  };
}

async function rejectsWith(p: Promise<unknown>, result: number, msg?: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof VosError, String(e));
    assert.equal(e.result, result, `${e.code}: ${e.message}`);
    if (msg) assert.match(e.message, msg);
    return true;
  });
}

describe('PlatformIdentity', () => {
  test('create: P-256 public JWK without private members, RFC 7638 key id', async () => {
    const id = await PlatformIdentity.create();
    assert.deepEqual(Object.keys(id.publicJwk).sort(), ['crv', 'kty', 'x', 'y']);
    assert.equal(id.publicJwk.crv, 'P-256');
    assert.equal(id.keyId, await calculateJwkThumbprint(id.publicJwk as never));
    assert.ok(Object.isFrozen(id));
    assert.ok(!JSON.stringify(id).includes('"d"'));
  });

  test('sealing round trip: fromJwk(exportPrivateJwkForSealing()) is the same identity', async () => {
    const id = await PlatformIdentity.create();
    const sealed = id.exportPrivateJwkForSealing();
    assert.equal(typeof sealed.d, 'string');
    const back = await PlatformIdentity.fromJwk(sealed);
    assert.equal(back.keyId, id.keyId);
    const jws = await createAttestation(back, claims());
    await verifyAttestation(jws, id.publicJwk, NONCE);
  });

  test('fromJwk refuses a JWK whose x/y do not belong to d, a public JWK, or another curve', async () => {
    const a = (await PlatformIdentity.create()).exportPrivateJwkForSealing();
    const b = (await PlatformIdentity.create()).exportPrivateJwkForSealing();
    await rejectsWith(PlatformIdentity.fromJwk({ ...a, x: b.x, y: b.y }), TeeResult.ERROR_BAD_PARAMETERS);
    await rejectsWith(
      PlatformIdentity.fromJwk({ kty: 'EC', crv: 'P-256', x: a.x, y: a.y }),
      TeeResult.ERROR_BAD_PARAMETERS,
      /private/,
    );
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ format: 'jwk' });
    await rejectsWith(PlatformIdentity.fromJwk(p384), TeeResult.ERROR_BAD_PARAMETERS);
  });
});

describe('createAttestation / verifyAttestation', () => {
  test('verifies with plain jose (compactVerify and jwtVerify) and with verifyAttestation', async () => {
    const id = await PlatformIdentity.create();
    const jws = await createAttestation(id, claims());
    assert.equal(jws.split('.').length, 3);
    const key = await importJWK(id.publicJwk as never, 'ES256');
    const cv = await compactVerify(jws, key);
    assert.deepEqual(cv.protectedHeader, { alg: 'ES256', typ: 'openvse-attestation+jwt', kid: id.keyId });
    const jv = await jwtVerify(jws, key, { algorithms: ['ES256'], typ: 'openvse-attestation+jwt' });
    assert.equal(jv.payload.nonce, NONCE);
    assert.equal(typeof jv.payload.iat, 'number');
    const out = await verifyAttestation(jws, id.publicJwk, NONCE);
    const { iat, ...rest } = out;
    assert.deepEqual(rest, claims());
    assert.ok(Math.abs(iat - Date.now() / 1000) < 60);
  });

  test('nonce mismatch is refused', async () => {
    const id = await PlatformIdentity.create();
    const jws = await createAttestation(id, claims());
    await rejectsWith(verifyAttestation(jws, id.publicJwk, `${NONCE}x`), TeeResult.ERROR_SECURITY, /nonce/);
    await rejectsWith(
      verifyAttestation(jws, id.publicJwk, NONCE.slice(1)),
      TeeResult.ERROR_SECURITY,
      /nonce/,
    );
  });

  test('an altered payload is refused (level raised, counter changed, one byte flipped)', async () => {
    const id = await PlatformIdentity.create();
    const jws = await createAttestation(id, claims({ protectionLevel: 'L0' }));
    const [h, p, s] = jws.split('.') as [string, string, string];
    const payload = JSON.parse(new TextDecoder().decode(base64url.decode(p)));
    for (const edit of [{ protectionLevel: 'L1' }, { stateCounter: '43' }, { nonce: 'other' }]) {
      const forged = base64url.encode(JSON.stringify({ ...payload, ...edit }));
      await rejectsWith(
        verifyAttestation(`${h}.${forged}.${s}`, id.publicJwk, NONCE),
        TeeResult.ERROR_SECURITY,
      );
    }
    for (let i = 0; i < jws.length; i += 5) {
      if (jws[i] === '.') continue;
      const c = jws[i] === 'A' ? 'B' : 'A';
      const t = jws.slice(0, i) + c + jws.slice(i + 1);
      await assert.rejects(verifyAttestation(t, id.publicJwk, NONCE), VosError, `position ${i}`);
    }
  });

  test('a non-canonical spelling of the same signature is refused', async () => {
    const id = await PlatformIdentity.create();
    const jws = await createAttestation(id, claims());
    const last = jws.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const v = alphabet.indexOf(last);
    // 64 signature bytes = 86 characters; the last one carries 2 data bits and 4 unused bits.
    assert.equal(v & 0x0f, 0);
    for (let low = 1; low < 16; low++) {
      const twin = jws.slice(0, -1) + alphabet[v | low];
      await rejectsWith(verifyAttestation(twin, id.publicJwk, NONCE), TeeResult.ERROR_SECURITY, /canonical/);
    }
  });

  test('wrong key is refused', async () => {
    const id = await PlatformIdentity.create();
    const other = await PlatformIdentity.create();
    const jws = await createAttestation(id, claims());
    await rejectsWith(verifyAttestation(jws, other.publicJwk, NONCE), TeeResult.ERROR_SECURITY);
  });

  test('the same key with a different kid, another typ, alg none or HS256 is refused', async () => {
    const id = await PlatformIdentity.create();
    const priv = await importJWK(id.exportPrivateJwkForSealing() as never, 'ES256');
    const payload = { ...claims(), iat: Math.floor(Date.now() / 1000) };
    const wrongKid = await new SignJWT(payload)
      .setProtectedHeader({ alg: 'ES256', typ: 'openvse-attestation+jwt', kid: 'x' })
      .sign(priv);
    await rejectsWith(verifyAttestation(wrongKid, id.publicJwk, NONCE), TeeResult.ERROR_SECURITY, /kid/);
    const wrongTyp = await new SignJWT(payload)
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: id.keyId })
      .sign(priv);
    await rejectsWith(verifyAttestation(wrongTyp, id.publicJwk, NONCE), TeeResult.ERROR_SECURITY);
    const none = `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'openvse-attestation+jwt', kid: id.keyId }))}.${base64url.encode(JSON.stringify(payload))}.`;
    await rejectsWith(verifyAttestation(none, id.publicJwk, NONCE), TeeResult.ERROR_SECURITY);
    const hs = await new SignJWT(payload)
      .setProtectedHeader({ alg: 'HS256', typ: 'openvse-attestation+jwt', kid: id.keyId })
      .sign(new TextEncoder().encode(JSON.stringify(id.publicJwk)));
    await rejectsWith(verifyAttestation(hs, id.publicJwk, NONCE), TeeResult.ERROR_SECURITY);
  });

  test('a validly signed statement with unknown or dishonest claims is refused as BAD_FORMAT', async () => {
    const id = await PlatformIdentity.create();
    const priv = await importJWK(id.exportPrivateJwkForSealing() as never, 'ES256');
    const sign = (p: Record<string, unknown>) =>
      new SignJWT(p)
        .setProtectedHeader({ alg: 'ES256', typ: 'openvse-attestation+jwt', kid: id.keyId })
        .setIssuedAt()
        .sign(priv);
    await rejectsWith(
      verifyAttestation(await sign({ ...claims(), admin: true }), id.publicJwk, NONCE),
      TeeResult.ERROR_BAD_FORMAT,
    );
    const dishonest = { ...claims(), protectionLevel: 'L2' };
    await rejectsWith(
      verifyAttestation(await sign(dishonest), id.publicJwk, NONCE),
      TeeResult.ERROR_BAD_FORMAT,
      /L2/,
    );
  });

  test('maxAgeSeconds bounds iat', async () => {
    const id = await PlatformIdentity.create();
    const priv = await importJWK(id.exportPrivateJwkForSealing() as never, 'ES256');
    const old = await new SignJWT({ ...claims() })
      .setProtectedHeader({ alg: 'ES256', typ: 'openvse-attestation+jwt', kid: id.keyId })
      .setIssuedAt(Math.floor(Date.now() / 1000) - 3600)
      .sign(priv);
    await verifyAttestation(old, id.publicJwk, NONCE);
    await rejectsWith(
      verifyAttestation(old, id.publicJwk, NONCE, { maxAgeSeconds: 300 }),
      TeeResult.ERROR_SECURITY,
    );
  });

  test('createAttestation refuses dishonest levels, private TA keys and malformed claims', async () => {
    const id = await PlatformIdentity.create();
    const cases: Array<[Partial<AttestationClaims>, RegExp]> = [
      [
        { protectionLevel: 'L1', isolation: { mode: 'process', appConfined: false, separateUser: false } },
        /not confined/,
      ],
      [
        { protectionLevel: 'L1', isolation: { mode: 'embedded', appConfined: false, separateUser: false } },
        /embedded/,
      ],
      [{ protectionLevel: 'L1', threatFlags: ['debugger'] }, /threats/],
      [{ protectionLevel: 'L2' }, /OS user/],
      [{ taPublicKeys: { enc: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'secret' } } }, /private/],
      [{ nonce: '' }, /nonce/],
      [{ stateCounter: '-1' }, /stateCounter/],
      [{ stateCounter: '18446744073709551616' }, /stateCounter/],
      [{ ta: { uuid: 'x', codeSha256: 'ab'.repeat(32), version: '1.0.0' } }, /uuid/],
      [{ protectionLevel: 'L3' as never }, /protectionLevel/],
    ];
    for (const [patch, msg] of cases) {
      await rejectsWith(createAttestation(id, claims(patch)), TeeResult.ERROR_BAD_PARAMETERS, msg);
    }
    await rejectsWith(
      createAttestation(id, { ...claims(), extra: 1 } as never),
      TeeResult.ERROR_BAD_PARAMETERS,
      /extra/,
    );
    await rejectsWith(createAttestation({} as PlatformIdentity, claims()), TeeResult.ERROR_BAD_PARAMETERS);
    // L2 with V-OS under its own OS user, L0 with threats: both honest, both fine.
    const l2 = await createAttestation(
      id,
      claims({
        protectionLevel: 'L2',
        isolation: { mode: 'process', appConfined: true, separateUser: true },
      }),
    );
    assert.equal(decodeProtectedHeader(l2).kid, id.keyId);
    await createAttestation(
      id,
      claims({
        protectionLevel: 'L0',
        isolation: { mode: 'embedded', appConfined: false, separateUser: false },
        threatFlags: ['root'],
      }),
    );
  });

  test('bad verifier arguments are TEE_ERROR_BAD_PARAMETERS', async () => {
    const id = await PlatformIdentity.create();
    const jws = await createAttestation(id, claims());
    await rejectsWith(verifyAttestation(jws, id.publicJwk, ''), TeeResult.ERROR_BAD_PARAMETERS);
    await rejectsWith(
      verifyAttestation(jws, { kty: 'OKP', crv: 'Ed25519', x: 'x' }, NONCE),
      TeeResult.ERROR_BAD_PARAMETERS,
    );
    await rejectsWith(verifyAttestation('', id.publicJwk, NONCE), TeeResult.ERROR_BAD_PARAMETERS);
  });
});
