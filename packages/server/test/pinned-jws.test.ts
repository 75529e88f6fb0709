/**
 * The pinned-key JWS check (devices/pinned-jws.ts; RFC 7515 §5.2, RFC 8725 §3.1): only ES256
 * under the pinned key, no extension a verifier would have to understand (`crit`, `b64`), a
 * signature of exactly r ‖ s, then typ, kid and a JSON-object payload, each refusal naming its
 * step; garbage of any shape is refused without an exception.
 */
import assert from 'node:assert/strict';
import { sign as cryptoSign, generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CompactSign, exportJWK } from 'jose';
import { verifyPinnedJws } from '../src/devices/pinned-jws.js';

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pinned = JSON.stringify(await exportJWK(publicKey));
const expected = { typ: 'openvse-test+jws', kid: 'k1' };
const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/** A compact JWS signed by hand: any header, even one jose would refuse to produce. */
function rawSign(header: Record<string, unknown>, payload: unknown): string {
  const input = `${b64(header)}.${b64(payload)}`;
  const sig = cryptoSign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${sig.toString('base64url')}`;
}

async function sign(header: Record<string, unknown>, payload: unknown, key = privateKey) {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: 'ES256', ...header } as { alg: string })
    .sign(key);
}

describe('pinned-key JWS (ES256 only)', () => {
  it('accepts a right one and names the step that refuses a wrong one', async () => {
    const good = await sign({ typ: expected.typ, kid: 'k1' }, { a: 1 });
    assert.deepEqual(await verifyPinnedJws(good, pinned, expected), { claims: { a: 1 } });
    const cases: [string, string][] = [
      [await sign({ typ: expected.typ, kid: 'k1' }, { a: 1 }, other.privateKey), 'signature'],
      [await sign({ typ: 'other', kid: 'k1' }, { a: 1 }), 'typ'],
      [await sign({ typ: expected.typ, kid: 'k2' }, { a: 1 }), 'kid'],
      [await sign({ typ: expected.typ, kid: 'k1' }, [1, 2]), 'object'],
      [rawSign({ alg: 'ES256', typ: expected.typ, kid: 'k1', crit: ['exp'], exp: 1 }, { a: 1 }), 'signature'],
      [rawSign({ alg: 'ES256', typ: expected.typ, kid: 'k1', b64: false }, { a: 1 }), 'signature'],
      [rawSign({ alg: 'ES256', typ: expected.typ, kid: 'k1' }, { a: 1 }), 'ok'],
    ];
    for (const [jws, failure] of cases)
      assert.deepEqual(
        await verifyPinnedJws(jws, pinned, expected),
        failure === 'ok' ? { claims: { a: 1 } } : { failure },
      );
    // Tampered payload; alg none; HS256 with the public key as the secret; a DER signature.
    const [h, , s] = good.split('.');
    assert.deepEqual(await verifyPinnedJws(`${h}.${b64({ a: 2 })}.${s}`, pinned, expected), {
      failure: 'signature',
    });
    assert.deepEqual(
      await verifyPinnedJws(
        `${b64({ alg: 'none', typ: expected.typ, kid: 'k1' })}.${b64({ a: 1 })}.`,
        pinned,
        expected,
      ),
      { failure: 'signature' },
    );
    assert.deepEqual(
      await verifyPinnedJws(
        `${b64({ alg: 'HS256', typ: expected.typ, kid: 'k1' })}.${b64({ a: 1 })}.${s}`,
        pinned,
        expected,
      ),
      { failure: 'signature' },
    );
    assert.deepEqual(await verifyPinnedJws(`${h}.${good.split('.')[1]}.${s}AA`, pinned, expected), {
      failure: 'signature',
    });
    // A pinned key that is not a P-256 public key refuses everything.
    const priv = JSON.stringify(await exportJWK(privateKey));
    assert.deepEqual(await verifyPinnedJws(good, priv, expected), { failure: 'signature' });
  });

  it('garbage is refused, never thrown', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.array(fc.base64String(), { maxLength: 4 }).map((a) => a.join('.')),
        ),
        async (s) => {
          const r = await verifyPinnedJws(s, pinned, expected);
          assert.ok('failure' in r);
        },
      ),
      { numRuns: 300 },
    );
  });
});
