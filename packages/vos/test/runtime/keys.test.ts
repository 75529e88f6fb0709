/**
 * Key objects and crypto syscalls seen from a TA (GP TEE Internal Core API v1.3 §5–6; OP-TEE
 * tee_svc_cryp.c rules, docs/design.md "Key objects"): every algorithm checked against an
 * independent computation in the test (node:crypto, @openvse/emv), usage flags enforced and only
 * narrowed, derive/encrypt separation, unwrap without clear bytes in the TA, persistence with
 * policy, and capability gating of key types.
 */
import assert from 'node:assert/strict';
import {
  createCipheriv,
  createECDH,
  createHmac,
  createPublicKey,
  generateKeyPairSync,
  hkdfSync,
  verify,
} from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { aesEcbEncrypt, keyCheckValue, macIso9797Alg3, tdesCbcEncrypt, tdesEcbEncrypt } from '@openvse/emv';
import { startVos, TeeResult, type VosClient, type VosSession } from '../../src/index.js';
import { bundle, runScript, SCRIPT_TA_CODE, signer, tempDir } from './fixture.js';

const FULL = 'dddddddd-0000-4000-8000-000000000001';
const TDES_ONLY = 'dddddddd-0000-4000-8000-000000000002';
const CAPS = [
  'clock',
  'counter',
  'crypto.aes',
  'crypto.ec',
  'crypto.ed25519',
  'crypto.hkdf',
  'crypto.sha',
  'crypto.tdes',
  'keys',
  'random',
  'storage',
];
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const K16 = '0123456789abcdeffedcba9876543210';

describe('key objects and crypto syscalls', () => {
  let vos: VosClient;
  let s: VosSession;
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
  before(async () => {
    vos = await startVos({ dataDir: tempDir(), pinnedTaKeys: [signer.publicKeyPem] });
    await vos.installTa(bundle({ uuid: FULL, code: SCRIPT_TA_CODE, capabilities: CAPS }));
    await vos.installTa(
      bundle({ uuid: TDES_ONLY, code: SCRIPT_TA_CODE, capabilities: ['crypto.tdes', 'keys'] }),
    );
    s = await vos.openSession(FULL);
  });
  after(async () => {
    await vos.shutdown();
  });

  it('3DES: ECB, CBC, retail MAC and KCV match @openvse/emv', async () => {
    const data = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    const v = (await run(`
      const h = keys.import('DES3', unhex('${K16}'), ['encrypt', 'decrypt']);
      const m = keys.import('DES3', unhex('${K16}'), ['mac']);
      const d = unhex('${hex(data)}');
      const ecb = crypto.cipher(h, 'DES3_ECB', 'encrypt', d);
      const cbc = crypto.cipher(h, 'DES3_CBC', 'encrypt', d, new Uint8Array(8));
      return { ecb, cbc, back: crypto.cipher(h, 'DES3_ECB', 'decrypt', ecb), mac: crypto.mac(m, 'ISO9797_ALG3_M2', d),
               ok: crypto.macVerify(m, 'ISO9797_ALG3_M2', d, crypto.mac(m, 'ISO9797_ALG3_M2', d)),
               kcv: keys.kcv(h) };`)) as Record<string, unknown>;
    assert.equal(v.ecb, hex(tdesEcbEncrypt(K16, data)));
    assert.equal(v.cbc, hex(tdesCbcEncrypt(K16, data)));
    assert.equal(v.back, hex(data));
    assert.equal(v.mac, hex(macIso9797Alg3(K16, data, 2)));
    assert.equal(v.ok, true);
    assert.equal(v.kcv, hex(keyCheckValue(K16)));
  });

  it('enforces usage flags and only narrows them', async () => {
    assert.equal(
      await code(
        `const h = keys.import('DES3', unhex('${K16}'), ['encrypt']); crypto.mac(h, 'ISO9797_ALG3_M2', new Uint8Array(8));`,
      ),
      TeeResult.ERROR_ACCESS_DENIED,
    );
    const v = await run(`
      const h = keys.generate('AES', ['encrypt', 'decrypt']);
      const a = await keys.restrictUsage(h, ['encrypt', 'mac']);
      const b = await keys.restrictUsage(h, ['decrypt', 'encrypt']);
      let denied; try { crypto.cipher(h, 'AES_ECB', 'decrypt', new Uint8Array(16)); } catch (e) { denied = e.code; }
      return [a, b, denied];`);
    assert.deepEqual(v, [['encrypt'], ['encrypt'], TeeResult.ERROR_ACCESS_DENIED]);
    assert.equal(await code(`keys.generate('DES3', ['derive', 'encrypt']);`), TeeResult.ERROR_BAD_PARAMETERS);
    assert.equal(await code(`keys.generate('AES', ['wrap', 'decrypt']);`), TeeResult.ERROR_BAD_PARAMETERS);
    assert.equal(await code(`keys.generate('AES', ['extractable']);`), TeeResult.ERROR_BAD_PARAMETERS);
  });

  it('exports public keys only; destroyed handles are gone', async () => {
    assert.equal(
      await code(`keys.exportPublic(keys.generate('AES', ['encrypt']));`),
      TeeResult.ERROR_ACCESS_DENIED,
    );
    assert.equal(
      await code(
        `const h = keys.generate('HMAC', ['mac']); keys.destroy(h); crypto.mac(h, 'HMAC_SHA256', new Uint8Array(1));`,
      ),
      TeeResult.ERROR_ITEM_NOT_FOUND,
    );
  });

  it('ECDSA P-256 and Ed25519 signatures verify outside with the exported public key', async () => {
    const msg = 'attested message';
    const v = (await run(`
      const e = keys.generate('EC_P256', ['sign']);
      const d = keys.generate('ED25519', ['sign']);
      const m = bytes('${msg}');
      const es = crypto.sign(e, m), ds = crypto.sign(d, m);
      return { ep: keys.exportPublic(e), es, dp: keys.exportPublic(d), ds,
               selfCheck: crypto.verify({ type: 'EC_P256', publicKey: keys.exportPublic(e) }, m, es) };`)) as Record<
      string,
      string
    >;
    const ep = Buffer.from(v.ep!, 'hex');
    const ecKey = createPublicKey({
      key: {
        kty: 'EC',
        crv: 'P-256',
        x: ep.subarray(1, 33).toString('base64url'),
        y: ep.subarray(33).toString('base64url'),
      },
      format: 'jwk',
    });
    assert.ok(
      verify(
        'sha256',
        Buffer.from(msg),
        { key: ecKey, dsaEncoding: 'ieee-p1363' },
        Buffer.from(v.es!, 'hex'),
      ),
    );
    const edKey = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(v.dp!, 'hex').toString('base64url') },
      format: 'jwk',
    });
    assert.ok(verify(null, Buffer.from(msg), edKey, Buffer.from(v.ds!, 'hex')));
    assert.equal(v.selfCheck, true as unknown as string);
  });

  it('ECDH P-256 derives a key object the outside can match', async () => {
    const peer = createECDH('prime256v1');
    peer.generateKeys();
    const v = (await run(`
      const e = keys.generate('EC_P256', ['derive']);
      const k = keys.derive(e, { alg: 'ECDH_P256', publicKey: unhex('${peer.getPublicKey('hex')}') }, 'AES', ['encrypt']);
      return { pub: keys.exportPublic(e), ct: crypto.cipher(k, 'AES_ECB', 'encrypt', new Uint8Array(16)) };`)) as Record<
      string,
      string
    >;
    const z = peer.computeSecret(Buffer.from(v.pub!, 'hex'));
    assert.equal(v.ct, hex(aesEcbEncrypt(z, new Uint8Array(16))));
  });

  it('HKDF-SHA256 and DES3 ENCRYPT_DATA derive into key objects', async () => {
    const ikm = Buffer.alloc(32, 7);
    const v = (await run(`
      const g = keys.import('GENERIC_SECRET', unhex('${hex(ikm)}'), ['derive']);
      const h = keys.derive(g, { alg: 'HKDF_SHA256', salt: bytes('salt'), info: bytes('info') }, 'HMAC', ['mac'], { size: 32 });
      const m = keys.import('DES3', unhex('${K16}'), ['derive']);
      const sk = keys.derive(m, { alg: 'DES3_ECB_ENCRYPT_DATA', data: unhex('00000000000000010000000000000002') }, 'DES3', ['mac']);
      return { hmac: crypto.mac(h, 'HMAC_SHA256', bytes('x')), kcv: keys.kcv(sk), info: keys.info(sk) };`)) as Record<
      string,
      unknown
    >;
    const okm = Buffer.from(hkdfSync('sha256', ikm, 'salt', 'info', 32));
    assert.equal(v.hmac, createHmac('sha256', okm).update('x').digest('hex'));
    const sk = tdesEcbEncrypt(K16, Buffer.from('00000000000000010000000000000002', 'hex'));
    assert.equal(v.kcv, hex(keyCheckValue(sk)));
    assert.deepEqual(v.info, {
      type: 'DES3',
      size: 16,
      usage: ['mac'],
      persistentId: null,
      extractable: false,
    });
    // a derive key cannot be used to compute the derived value directly
    assert.equal(
      await code(
        `const m = keys.import('DES3', unhex('${K16}'), ['derive']); crypto.cipher(m, 'DES3_ECB', 'encrypt', new Uint8Array(16));`,
      ),
      TeeResult.ERROR_ACCESS_DENIED,
    );
  });

  it('unwraps an AES-GCM-wrapped key without the TA seeing it, and AES-GCM detects tampering', async () => {
    const kek = Buffer.alloc(32, 9);
    const iv = Buffer.alloc(12, 1);
    const c = createCipheriv('aes-256-gcm', kek, iv);
    const wrapped = Buffer.concat([c.update(Buffer.from(K16, 'hex')), c.final()]);
    const tag = c.getAuthTag();
    const v = (await run(`
      const kek = keys.import('AES', unhex('${hex(kek)}'), ['wrap']);
      const k = keys.unwrap(kek, { alg: 'AES_GCM', iv: unhex('${hex(iv)}'), tag: unhex('${hex(tag)}') }, unhex('${hex(wrapped)}'), 'DES3', ['mac']);
      const a = keys.generate('AES', ['encrypt', 'decrypt']);
      const sealed = crypto.aeadEncrypt(a, new Uint8Array(12), bytes('pay'), bytes('aad'));
      const open = crypto.aeadDecrypt(a, new Uint8Array(12), sealed.ciphertext, sealed.tag, bytes('aad'));
      sealed.tag[0] ^= 1;
      let bad; try { crypto.aeadDecrypt(a, new Uint8Array(12), sealed.ciphertext, sealed.tag, bytes('aad')); } catch (e) { bad = e.code; }
      let wrapDecrypt; try { crypto.cipher(kek, 'AES_ECB', 'decrypt', new Uint8Array(16)); } catch (e) { wrapDecrypt = e.code; }
      return { mac: crypto.mac(k, 'ISO9797_ALG3_M2', bytes('abc')), open: utf8(open), bad, wrapDecrypt };`)) as Record<
      string,
      unknown
    >;
    assert.equal(v.mac, hex(macIso9797Alg3(K16, Buffer.from('abc'), 2)));
    assert.equal(v.open, 'pay');
    assert.equal(v.bad, TeeResult.ERROR_MAC_INVALID);
    assert.equal(v.wrapDecrypt, TeeResult.ERROR_ACCESS_DENIED);
  });

  it('persists keys with their usage; restrictUsage writes back', async () => {
    const v = await run(`
      const h = keys.import('AES', unhex('${K16}'), ['encrypt', 'decrypt']);
      await keys.persist(h, 'aes1');
      await keys.restrictUsage(h, ['encrypt']);
      const again = await keys.load('aes1');
      const usage = keys.info(again).usage;
      const list = await keys.listPersistent();
      const gone = await keys.deletePersistent('aes1');
      let after; try { await keys.load('aes1'); } catch (e) { after = e.code; }
      let handle; try { keys.info(again); } catch (e) { handle = e.code; }
      return [usage, list, gone, after, handle];`);
    assert.deepEqual(v, [
      ['encrypt'],
      ['aes1'],
      true,
      TeeResult.ERROR_ITEM_NOT_FOUND,
      TeeResult.ERROR_ITEM_NOT_FOUND,
    ]);
  });

  it('grants key types and syscalls by capability only', async () => {
    const t = await vos.openSession(TDES_ONLY);
    const r = await runScript(
      t,
      `const out = {};
       for (const type of ['AES', 'EC_P256', 'ED25519', 'HMAC', 'GENERIC_SECRET']) {
         try { keys.generate(type, ['sign']); out[type] = 'made'; } catch (e) { out[type] = e.code; }
       }
       out.des = keys.info(keys.generate('DES3', ['mac'])).type;
       out.globals = ['storage', 'random', 'clock', 'counter', 'attest', 'log'].map((g) => typeof globalThis[g]);
       try { crypto.digest('SHA-256', new Uint8Array(1)); out.digest = 'ok'; } catch (e) { out.digest = e.code; }
       return out;`,
    );
    const v = r.value as Record<string, unknown>;
    for (const type of ['AES', 'EC_P256', 'ED25519', 'HMAC', 'GENERIC_SECRET']) {
      assert.equal(v[type], TeeResult.ERROR_ACCESS_DENIED, type);
    }
    assert.equal(v.des, 'DES3');
    assert.deepEqual(v.globals, Array(6).fill('undefined'));
    assert.equal(v.digest, TeeResult.ERROR_ACCESS_DENIED);
    await t.close();
  });

  it('offers random, clock, counter and SHA-2 when granted', async () => {
    const v = (await run(`
      return { r: random.bytes(16).length, m: typeof Math.random(), now: clock.now() > 1.7e12, d: typeof Date.now(),
               c: typeof counter.state(), h: crypto.digest('SHA-256', bytes('abc')) };`)) as Record<
      string,
      unknown
    >;
    assert.deepEqual(v, {
      r: 16,
      m: 'number',
      now: true,
      d: 'number',
      c: 'bigint',
      h: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    });
    assert.ok(generateKeyPairSync);
  });
});
