/**
 * The `jose` syscall (capability 'jose', src/syscalls/jose.ts) seen from a TA: a compact JWE
 * made by plain `jose` in the test decrypts with a key HANDLE in the TA, a JWS signed in the TA
 * verifies with plain `jose`, the algorithm allowlists (ECDH-ES+A256KW / A256GCM, ES256) are
 * fixed whatever the token or the caller says, key usage is enforced (decrypt needs 'derive',
 * sign needs 'sign'), and a TA without the capability has no `jose` global.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CompactEncrypt,
  CompactSign,
  calculateJwkThumbprint,
  compactVerify,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
} from 'jose';
import { startVos, TeeResult, type VosClient, type VosSession } from '../../src/index.js';
import { bundle, runScript, SCRIPT_TA_CODE, signer, tempDir } from './fixture.js';

const WITH_JOSE = 'dddddddd-0000-4000-8000-000000000a05';
const WITHOUT_JOSE = 'dddddddd-0000-4000-8000-000000000a06';
const CAPS = ['keys', 'crypto.ec', 'crypto.tdes', 'jose', 'storage'];

const fromHex = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));
function jwkOf(pubHex: string): JWK {
  const p = fromHex(pubHex);
  return {
    kty: 'EC',
    crv: 'P-256',
    x: Buffer.from(p.subarray(1, 33)).toString('base64url'),
    y: Buffer.from(p.subarray(33, 65)).toString('base64url'),
  };
}

describe('jose syscall (capability jose)', () => {
  let vos: VosClient;
  let s: VosSession;
  let plain: VosSession;
  let encPub: JWK;
  let sigPub: JWK;
  const run = async (body: string) => {
    const r = await runScript(s, body);
    assert.equal(r.ok, true, `script failed: ${r.message} (0x${(r.code ?? 0).toString(16)})`);
    return r.value;
  };
  const code = async (body: string) => {
    const r = await runScript(s, body);
    assert.equal(r.ok, false, 'expected the script to fail');
    return r.code;
  };
  const encryptTo = async (jwk: JWK, text: string, alg = 'ECDH-ES+A256KW', enc = 'A256GCM') =>
    new CompactEncrypt(new TextEncoder().encode(text))
      .setProtectedHeader({ alg, enc, cty: 'JWT' })
      .encrypt(await importJWK(jwk, alg));

  before(async () => {
    vos = await startVos({ dataDir: tempDir(), pinnedTaKeys: [signer.publicKeyPem] });
    await vos.installTa(bundle({ uuid: WITH_JOSE, code: SCRIPT_TA_CODE, capabilities: CAPS }));
    await vos.installTa(
      bundle({ uuid: WITHOUT_JOSE, code: SCRIPT_TA_CODE, capabilities: ['keys', 'crypto.ec'] }),
    );
    s = await vos.openSession(WITH_JOSE);
    plain = await vos.openSession(WITHOUT_JOSE);
    const keysOut = (await run(`
      state.enc = keys.generate('EC_P256', ['derive']);
      state.sig = keys.generate('EC_P256', ['sign']);
      state.des = keys.generate('DES3', ['mac']);
      return { enc: keys.exportPublic(state.enc), sig: keys.exportPublic(state.sig) };`)) as Record<
      string,
      string
    >;
    encPub = jwkOf(keysOut.enc!);
    sigPub = jwkOf(keysOut.sig!);
  });
  after(async () => {
    await vos.shutdown();
  });

  it('decrypts a compact JWE made by jose with the key handle', async () => {
    const jwe = await encryptTo(encPub, 'hello secure world');
    const v = (await run(`
      const r = await jose.decrypt(state.enc, ${JSON.stringify(jwe)}, { alg: 'ECDH-ES+A256KW', enc: 'A256GCM' });
      return { text: utf8(r.plaintext), header: r.protectedHeader, isBytes: r.plaintext instanceof Uint8Array };`)) as Record<
      string,
      unknown
    >;
    assert.equal(v.text, 'hello secure world');
    assert.equal(v.isBytes, true);
    assert.deepEqual(
      { alg: (v.header as JWK).alg, enc: (v.header as Record<string, unknown>).enc },
      { alg: 'ECDH-ES+A256KW', enc: 'A256GCM' },
    );
  });

  it('signs a JWS in the TA that plain jose verifies', async () => {
    const v = (await run(`
      return await jose.sign(state.sig, bytes('{"typ":"status"}'), { alg: 'ES256', typ: 'openvse-ta+jwt', kid: 'k1' });`)) as string;
    const r = await compactVerify(v, await importJWK(sigPub, 'ES256'), { algorithms: ['ES256'] });
    assert.equal(new TextDecoder().decode(r.payload), '{"typ":"status"}');
    assert.deepEqual(r.protectedHeader, { alg: 'ES256', typ: 'openvse-ta+jwt', kid: 'k1' });
  });

  it('verifies an ES256 JWS against a public JWK and refuses another key', async () => {
    const other = await generateKeyPair('ES256', { extractable: true });
    const otherPub = await exportJWK(other.publicKey);
    const jws = await new CompactSign(new TextEncoder().encode('payload'))
      .setProtectedHeader({ alg: 'ES256', typ: 't' })
      .sign(other.privateKey);
    const v = (await run(`
      const r = await jose.verify(${JSON.stringify(jws)}, ${JSON.stringify(otherPub)}, { alg: 'ES256' });
      return { text: utf8(r.payload), typ: r.protectedHeader.typ };`)) as Record<string, unknown>;
    assert.deepEqual(v, { text: 'payload', typ: 't' });
    assert.equal(
      await code(`await jose.verify(${JSON.stringify(jws)}, ${JSON.stringify(sigPub)}, { alg: 'ES256' });`),
      TeeResult.ERROR_SIGNATURE_INVALID,
    );
    // a tampered payload
    const [h, , sig] = jws.split('.');
    const forged = `${h}.${Buffer.from('payloaD').toString('base64url')}.${sig}`;
    assert.equal(
      await code(
        `await jose.verify(${JSON.stringify(forged)}, ${JSON.stringify(otherPub)}, { alg: 'ES256' });`,
      ),
      TeeResult.ERROR_SIGNATURE_INVALID,
    );
  });

  it('refuses algorithms outside the allowlists', async () => {
    // the caller asks for something else
    const jwe = await encryptTo(encPub, 'x');
    assert.equal(
      await code(
        `await jose.decrypt(state.enc, ${JSON.stringify(jwe)}, { alg: 'ECDH-ES', enc: 'A256GCM' });`,
      ),
      TeeResult.ERROR_NOT_SUPPORTED,
    );
    assert.equal(
      await code(
        `await jose.decrypt(state.enc, ${JSON.stringify(jwe)}, { alg: 'ECDH-ES+A256KW', enc: 'A128GCM' });`,
      ),
      TeeResult.ERROR_NOT_SUPPORTED,
    );
    // the token says something else
    for (const [alg, enc] of [
      ['ECDH-ES', 'A256GCM'],
      ['ECDH-ES+A128KW', 'A256GCM'],
      ['ECDH-ES+A256KW', 'A128GCM'],
      ['ECDH-ES+A256KW', 'A256CBC-HS512'],
    ] as const) {
      const t = await encryptTo(encPub, 'x', alg, enc);
      assert.equal(
        await code(
          `await jose.decrypt(state.enc, ${JSON.stringify(t)}, { alg: 'ECDH-ES+A256KW', enc: 'A256GCM' });`,
        ),
        TeeResult.ERROR_NOT_SUPPORTED,
        `${alg}/${enc}`,
      );
    }
    // HS256 "signed" with the public key as secret, alg none, ES384
    const hs = await new CompactSign(new TextEncoder().encode('p'))
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(JSON.stringify(sigPub)));
    assert.equal(
      await code(`await jose.verify(${JSON.stringify(hs)}, ${JSON.stringify(sigPub)}, { alg: 'ES256' });`),
      TeeResult.ERROR_NOT_SUPPORTED,
    );
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('p').toString('base64url')}.`;
    assert.notEqual(
      (
        await runScript(
          s,
          `await jose.verify(${JSON.stringify(none)}, ${JSON.stringify(sigPub)}, { alg: 'ES256' });`,
        )
      ).ok,
      true,
    );
    assert.equal(
      await code(`await jose.verify('a.b.c', ${JSON.stringify(sigPub)}, { alg: 'HS256' });`),
      TeeResult.ERROR_NOT_SUPPORTED,
    );
    assert.equal(
      await code(`await jose.sign(state.sig, bytes('p'), { alg: 'ES384' });`),
      TeeResult.ERROR_NOT_SUPPORTED,
    );
    assert.equal(
      await code(`await jose.sign(state.sig, bytes('p'), { alg: 'ES256', jwk: 'x' });`),
      TeeResult.ERROR_BAD_PARAMETERS,
    );
  });

  it('enforces key usage and key type', async () => {
    const jwe = await encryptTo(encPub, 'x');
    assert.equal(
      await code(
        `await jose.decrypt(state.sig, ${JSON.stringify(jwe)}, { alg: 'ECDH-ES+A256KW', enc: 'A256GCM' });`,
      ),
      TeeResult.ERROR_ACCESS_DENIED,
    );
    assert.equal(
      await code(`await jose.sign(state.enc, bytes('p'), { alg: 'ES256' });`),
      TeeResult.ERROR_ACCESS_DENIED,
    );
    assert.equal(
      await code(`await jose.sign(state.des, bytes('p'), { alg: 'ES256' });`),
      TeeResult.ERROR_BAD_PARAMETERS,
    );
    assert.equal(
      await code(
        `await jose.decrypt(424242, ${JSON.stringify(jwe)}, { alg: 'ECDH-ES+A256KW', enc: 'A256GCM' });`,
      ),
      TeeResult.ERROR_ITEM_NOT_FOUND,
    );
  });

  it('refuses a tampered JWE, malformed tokens and private JWKs', async () => {
    const jwe = await encryptTo(encPub, 'secret');
    const parts = jwe.split('.');
    const ct = Buffer.from(parts[3]!, 'base64url');
    ct[0]! ^= 1;
    parts[3] = ct.toString('base64url');
    assert.equal(
      await code(
        `await jose.decrypt(state.enc, ${JSON.stringify(parts.join('.'))}, { alg: 'ECDH-ES+A256KW', enc: 'A256GCM' });`,
      ),
      TeeResult.ERROR_MAC_INVALID,
    );
    // encrypted to another key
    const other = await generateKeyPair('ECDH-ES+A256KW', { crv: 'P-256', extractable: true });
    const toOther = await encryptTo(await exportJWK(other.publicKey), 'x');
    assert.equal(
      await code(
        `await jose.decrypt(state.enc, ${JSON.stringify(toOther)}, { alg: 'ECDH-ES+A256KW', enc: 'A256GCM' });`,
      ),
      TeeResult.ERROR_MAC_INVALID,
    );
    for (const bad of ['', 'a.b', 'not a token', 42]) {
      assert.equal(
        await code(
          `await jose.decrypt(state.enc, ${JSON.stringify(bad)}, { alg: 'ECDH-ES+A256KW', enc: 'A256GCM' });`,
        ),
        TeeResult.ERROR_BAD_PARAMETERS,
      );
    }
    const priv = await exportJWK(other.privateKey);
    assert.equal(
      await code(`await jose.thumbprint(${JSON.stringify(priv)});`),
      TeeResult.ERROR_BAD_PARAMETERS,
    );
    assert.equal(
      await code(
        `await jose.verify('a.b.c', ${JSON.stringify({ kty: 'oct', k: 'AAAA' })}, { alg: 'ES256' });`,
      ),
      TeeResult.ERROR_BAD_PARAMETERS,
    );
  });

  it('computes RFC 7638 thumbprints like jose', async () => {
    const v = await run(`return await jose.thumbprint(${JSON.stringify({ ...sigPub, kid: 'ignored' })});`);
    assert.equal(v, await calculateJwkThumbprint(sigPub, 'sha256'));
  });

  it('exists only with the capability', async () => {
    const r = await runScript(plain, `return typeof jose;`);
    assert.deepEqual(r, { ok: true, value: 'undefined' });
  });
});
