/**
 * Key store tests (docs/design.md "Storage and scale"): KEK loading from file / env, AES-256-GCM
 * envelopes bound to their AAD, issuer keys stored only encrypted with their KCVs, the test
 * issuer mode, refusal to replace a stored key, and the wrong KEK failing loudly.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bytesToHex, keyCheckValue } from '@openvse/emv';
import { ManualClock } from '../src/clock.js';
import { open, seal, subkey } from '../src/keys/envelope.js';
import { loadKek } from '../src/keys/kek.js';
import { KEY_NAMES, KeyStore, TEST_ISSUER_KEYS } from '../src/keys/key-store.js';
import { SqliteStore } from '../src/storage/sqlite-store.js';
import { TEST_KEK } from './helpers/server.js';

const KEK = new Uint8Array(Buffer.from(TEST_KEK, 'hex'));

describe('KEK loading', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'openvse-kek-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads hex from a file, 32 raw bytes from a file, or OPENVSE_KEK', () => {
    const hexFile = join(dir, 'kek.hex');
    writeFileSync(hexFile, `${TEST_KEK}\n`);
    assert.deepEqual(loadKek({ kekFile: hexFile }), KEK);
    const rawFile = join(dir, 'kek.bin');
    writeFileSync(rawFile, KEK);
    assert.deepEqual(loadKek({ kekFile: rawFile }), KEK);
    assert.deepEqual(loadKek({ env: { OPENVSE_KEK: TEST_KEK } }), KEK);
  });

  it('refuses a missing or malformed KEK without echoing it', () => {
    assert.throws(() => loadKek({ env: {} }), { code: 'ERR_KEK_INVALID' });
    const bad = 'zz'.repeat(32);
    assert.throws(
      () => loadKek({ env: { OPENVSE_KEK: bad } }),
      (e: Error & { code?: string }) => e.code === 'ERR_KEK_INVALID' && !e.message.includes(bad),
    );
    assert.throws(() => loadKek({ kekFile: join(dir, 'missing') }), { code: 'ERR_KEK_INVALID' });
  });
});

describe('AES-256-GCM envelopes', () => {
  it('round-trips and is bound to its AAD and key', () => {
    const env = seal(KEK, new Uint8Array([1, 2, 3]), 'IMK_AC|1');
    assert.deepEqual(open(KEK, env, 'IMK_AC|1'), new Uint8Array([1, 2, 3]));
    assert.throws(() => open(KEK, env, 'IMK_MD|1'), { code: 'ERR_KEY_UNWRAP' });
    assert.throws(() => open(subkey(KEK, 'other'), env, 'IMK_AC|1'), { code: 'ERR_KEY_UNWRAP' });
    const parts = env.split('.');
    parts[2] = Buffer.from('xyz').toString('base64url');
    assert.throws(() => open(KEK, parts.join('.'), 'IMK_AC|1'), { code: 'ERR_KEY_UNWRAP' });
  });
});

describe('issuer key store', () => {
  let dir: string;
  let store: SqliteStore;
  const clock = new ManualClock();
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'openvse-keys-'));
    store = new SqliteStore(join(dir, 'k.db'));
    await store.migrate();
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('test mode imports the documented keys: KCVs match, rows hold no plaintext', async () => {
    const ks = await KeyStore.open(store, KEK, { mode: 'test' }, clock);
    const inv = ks.inventory();
    assert.equal(inv.imkAc.kcv, bytesToHex(keyCheckValue(TEST_ISSUER_KEYS.imkAc)));
    assert.equal(inv.imkMd.kcv, bytesToHex(keyCheckValue(TEST_ISSUER_KEYS.imkMd)));
    assert.match(inv.serverSigning.kid, /^[A-Za-z0-9_-]{43}$/);
    for (const name of Object.values(KEY_NAMES)) {
      const row = await store.getKey(name);
      assert.ok(row, name);
      const text = JSON.stringify(row).toUpperCase();
      assert.ok(!text.includes(TEST_ISSUER_KEYS.imkAc) && !text.includes(TEST_ISSUER_KEYS.imkMd), name);
      assert.match(row!.wrapped, /^v1\./);
    }
    const seen = ks.withIssuerKeys((k) => [bytesToHex(k.imkAc), bytesToHex(k.imkMd)]);
    assert.deepEqual(seen, [TEST_ISSUER_KEYS.imkAc, TEST_ISSUER_KEYS.imkMd]);
    let held: Uint8Array | undefined;
    ks.withIssuerKeys((k) => {
      held = k.imkAc;
    });
    assert.ok(
      held!.every((b) => b === 0),
      'the decrypted key is zeroed after use',
    );
    assert.equal((ks.signingPublicJwk as { d?: unknown }).d, undefined);
  });

  it('reopens with the same keys, refuses to replace them, and fails with a wrong KEK', async () => {
    const a = await KeyStore.open(store, KEK, { mode: 'generate' }, clock);
    const b = await KeyStore.open(store, KEK, { mode: 'test' }, clock);
    assert.deepEqual(a.inventory(), b.inventory());
    await assert.rejects(
      KeyStore.open(
        store,
        KEK,
        { mode: 'import', imkAc: '11'.repeat(16), imkMd: TEST_ISSUER_KEYS.imkMd },
        clock,
      ),
      { code: 'ERR_CONFIG' },
    );
    const wrong = new Uint8Array(32).fill(7);
    await assert.rejects(KeyStore.open(store, wrong, { mode: 'generate' }, clock), {
      code: 'ERR_KEY_UNWRAP',
    });
  });

  it('generate mode makes random keys; import checks the format', async () => {
    const s2 = new SqliteStore(':memory:');
    await s2.migrate();
    const ks = await KeyStore.open(s2, KEK, { mode: 'generate' }, clock);
    assert.notEqual(ks.inventory().imkAc.kcv, bytesToHex(keyCheckValue(TEST_ISSUER_KEYS.imkAc)));
    await s2.close();
    const s3 = new SqliteStore(':memory:');
    await s3.migrate();
    await assert.rejects(KeyStore.open(s3, KEK, { mode: 'import', imkAc: 'nothex', imkMd: 'x' }, clock), {
      code: 'ERR_KEY_INVALID',
    });
    await s3.close();
  });

  it('funding PAN envelopes are bound to the card id; the PAN hash is keyed', async () => {
    const ks = await KeyStore.open(store, KEK, { mode: 'test' }, clock);
    const env = ks.encryptSecret('funding-pan', 'card-1', '4111111111111111');
    assert.ok(!env.includes('4111'));
    assert.equal(ks.decryptSecret('funding-pan', 'card-1', env), '4111111111111111');
    assert.throws(() => ks.decryptSecret('funding-pan', 'card-2', env), { code: 'ERR_KEY_UNWRAP' });
    assert.throws(() => ks.decryptSecret('mobile-pin', 'card-1', env), { code: 'ERR_KEY_UNWRAP' });
    assert.equal(ks.panHash('4111111111111111'), ks.panHash('4111111111111111'));
    assert.notEqual(ks.panHash('4111111111111111'), ks.panHash('4111111111111112'));
  });
});
