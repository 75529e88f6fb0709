/**
 * The verifier on its own (docs/attestation.md "Verification"): statements signed here with jose
 * by a fresh P-256 key verify; a wrong key, kid, typ, alg, nonce, a non-canonical signature
 * spelling or claims that break the schema or the honesty rule are refused with the GP result
 * the docs name.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { TeeResult, VosError } from '@openvse/protocol';
import { calculateJwkThumbprint, SignJWT } from 'jose';
import { type AttestationClaims, claimsProblem, verifyAttestation } from '../src/index.js';

const NONCE = 'bm9uY2Utbm9uY2Utbm9uY2U';

function claims(patch: Partial<AttestationClaims> = {}): AttestationClaims {
  return {
    vosVersion: '0.1.0',
    deviceId: 'dev-1',
    ta: { uuid: 'c0bb5e0e-7a11-4c2b-9f3e-0bea7ce0c0de', codeSha256: 'a'.repeat(64), version: '1.0.0' },
    protectionLevel: 'L0',
    isolation: { mode: 'embedded', appConfined: false, separateUser: false },
    rootOfTrust: { kind: 'keyfile', hardwareBacked: false, anchor: false },
    threatFlags: [],
    nonce: NONCE,
    stateCounter: '7',
    ...patch,
  };
}

const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const publicJwk = pair.publicKey.export({ format: 'jwk' });
const kid = await calculateJwkThumbprint(publicJwk as never, 'sha256');

function sign(payload: object, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT({ ...payload })
    .setProtectedHeader({ alg: 'ES256', typ: 'openvse-attestation+jwt', kid, ...header })
    .setIssuedAt()
    .sign(pair.privateKey);
}

async function refusal(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof VosError, String(e));
    return e.result;
  }
  assert.fail('accepted');
}

describe('verifyAttestation', () => {
  it('accepts a statement by the pinned key over the nonce', async () => {
    const v = await verifyAttestation(await sign(claims()), publicJwk, NONCE);
    assert.equal(v.deviceId, 'dev-1');
    assert.equal(typeof v.iat, 'number');
  });
  it('refuses another key, kid, typ or nonce (TEE_ERROR_SECURITY)', async () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
    const jws = await sign(claims());
    assert.equal(await refusal(verifyAttestation(jws, other, NONCE)), TeeResult.ERROR_SECURITY);
    assert.equal(
      await refusal(verifyAttestation(jws, publicJwk, 'b3RoZXItbm9uY2U')),
      TeeResult.ERROR_SECURITY,
    );
    assert.equal(
      await refusal(verifyAttestation(await sign(claims(), { kid: 'x' }), publicJwk, NONCE)),
      TeeResult.ERROR_SECURITY,
    );
    assert.equal(
      await refusal(verifyAttestation(await sign(claims(), { typ: 'JWT' }), publicJwk, NONCE)),
      TeeResult.ERROR_SECURITY,
    );
  });
  it('refuses a second spelling of the same signature', async () => {
    const jws = await sign(claims());
    const last = jws.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // The 64-byte signature leaves 4 unused bits in its last character: flip one of them.
    const twin = jws.slice(0, -1) + alphabet[alphabet.indexOf(last) ^ 1];
    assert.equal(await refusal(verifyAttestation(twin, publicJwk, NONCE)), TeeResult.ERROR_SECURITY);
  });
  it('refuses signed claims that break the schema or the honesty rule (TEE_ERROR_BAD_FORMAT)', async () => {
    for (const bad of [
      claims({ protectionLevel: 'L1' }),
      claims({
        protectionLevel: 'L2',
        isolation: { mode: 'process', appConfined: true, separateUser: false },
      }),
      { ...claims(), extra: 1 },
      claims({ stateCounter: '-1' }),
    ]) {
      assert.equal(
        await refusal(verifyAttestation(await sign(bad), publicJwk, NONCE)),
        TeeResult.ERROR_BAD_FORMAT,
      );
    }
  });
  it('refuses bad arguments (TEE_ERROR_BAD_PARAMETERS)', async () => {
    assert.equal(await refusal(verifyAttestation('', publicJwk, NONCE)), TeeResult.ERROR_BAD_PARAMETERS);
    assert.equal(
      await refusal(verifyAttestation('a.b.c', { kty: 'RSA' }, NONCE)),
      TeeResult.ERROR_BAD_PARAMETERS,
    );
  });
});

describe('claimsProblem', () => {
  it('names the first problem, or none', () => {
    assert.equal(claimsProblem(claims()), undefined);
    assert.match(claimsProblem(claims({ protectionLevel: 'L1' })) ?? '', /embedded/);
    const confined = { mode: 'process', appConfined: true, separateUser: false } as const;
    assert.equal(claimsProblem(claims({ protectionLevel: 'L1', isolation: confined })), undefined);
    assert.match(
      claimsProblem(claims({ protectionLevel: 'L1', isolation: { ...confined, appConfined: false } })) ?? '',
      /not confined/,
    );
    assert.match(
      claimsProblem(claims({ protectionLevel: 'L1', isolation: confined, threatFlags: ['X'] })) ?? '',
      /threats/,
    );
    assert.match(claimsProblem(claims({ protectionLevel: 'L2', isolation: confined })) ?? '', /OS user/);
    assert.equal(
      claimsProblem(claims({ protectionLevel: 'L2', isolation: { ...confined, separateUser: true } })),
      undefined,
    );
    assert.match(claimsProblem({ ...claims(), taPublicKeys: { k: { kty: 'EC', d: 'x' } } }) ?? '', /private/);
  });
});
