/**
 * Attack: taking over a TA's identity with a second validly signed bundle (issue 10, point 3).
 * A TA is (UUID, signing key): a bundle for an installed UUID must come from the key that signed
 * the installed one (TEE_ERROR_ACCESS_DENIED), the same version is accepted again only as the
 * identical bundle (TEE_ERROR_SECURITY), a bundle whose code does not load in its Compartment is
 * refused at install without burning a version (TEE_ERROR_BAD_FORMAT), and storage, persistent
 * keys and the version floor are namespaced by UUID and signer (docs/ta-packages.md "Identity and
 * updates"). Every case here fails when the claim it names is false.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  generateTaSigningKeyPair,
  startVos,
  TeeResult,
  type VosClient,
  type VosSession,
} from '../../src/index.js';
import { openKeyFileRoot } from '../../src/root-of-trust/index.js';
import { SealedStore } from '../../src/storage/index.js';
import { taStorageNamespace } from '../../src/ta-package/identity.js';
import { bundle, runScript, SCRIPT_TA_CODE, signer, type TaSpec, tempDir } from '../runtime/fixture.js';

const DEVICE = 'ta-identity-test-device';
const VICTIM = 'bbbbbbbb-0000-4000-8000-000000000001';
const FRESH = 'bbbbbbbb-0000-4000-8000-000000000002';
const CAPS = ['crypto.tdes', 'keys', 'storage'];
const MAC_INPUT = '0011223344556677';

/** A second pinned TA-signing key: an honest signer of other TAs, or a compromised one. */
const other = generateTaSigningKeyPair();

function start(
  dataDir: string,
  pinnedTaKeys = [signer.publicKeyPem, other.publicKeyPem],
): Promise<VosClient> {
  return startVos({ dataDir, pinnedTaKeys, rootOfTrust: { kind: 'keyfile', deviceIdentity: DEVICE } });
}

/** The script TA, made distinct per build so two builds have different code hashes. */
function scriptTa(build: string, extra: Partial<TaSpec> = {}): TaSpec {
  return { uuid: VICTIM, code: `${SCRIPT_TA_CODE}\n// build ${build}\n`, capabilities: CAPS, ...extra };
}

async function refused(p: Promise<unknown>, result: number, what: string): Promise<void> {
  await assert.rejects(
    p,
    (e: unknown) => {
      assert.equal((e as { result?: number }).result, result, `${what}: ${String(e)}`);
      return true;
    },
    what,
  );
}

async function installedOf(vos: VosClient, uuid: string) {
  return (await vos.status()).installedTas.find((t) => t.uuid === uuid);
}

/** The victim stores an object and a persistent 3DES MAC key; returns the key's MAC over MAC_INPUT. */
async function plant(s: VosSession): Promise<string> {
  const r = await runScript(
    s,
    `await storage.write('secret', bytes('victim-data'));
     const h = keys.generate('DES3', ['mac']);
     await keys.persist(h, 'victim-mac');
     return hex(crypto.mac(h, 'ISO9797_ALG3_M2', unhex('${MAC_INPUT}')));`,
  );
  assert.equal(r.ok, true, r.message);
  return r.value as string;
}

/** What a TA sees of the victim's state: its object, its object list, its keys and their MAC. */
async function look(s: VosSession) {
  const r = await runScript(
    s,
    `const out = {};
     const d = await storage.read('secret');
     out.secret = d === null ? null : utf8(d);
     out.list = await storage.list();
     out.keys = await keys.listPersistent();
     try {
       const h = await keys.load('victim-mac');
       out.mac = hex(crypto.mac(h, 'ISO9797_ALG3_M2', unhex('${MAC_INPUT}')));
     } catch (e) { out.mac = e.code; }
     return out;`,
  );
  assert.equal(r.ok, true, r.message);
  return r.value as { secret: string | null; list: string[]; keys: string[]; mac: string | number };
}

/** Opens the data folder's sealed store directly (V-OS must be shut down). */
async function withStore<T>(dataDir: string, fn: (store: SealedStore) => Promise<T>): Promise<T> {
  const root = await openKeyFileRoot({ dir: join(dataDir, 'root'), deviceIdentity: DEVICE });
  try {
    const store = await SealedStore.open({ dir: join(dataDir, 'store'), root });
    try {
      return await fn(store);
    } finally {
      await store.close();
    }
  } finally {
    await root.close();
  }
}

describe('attack: TA identity takeover (UUID + signer)', () => {
  it('a bundle with the victim UUID signed by another pinned key is refused, at any version', async () => {
    const dataDir = tempDir();
    let vos = await start(dataDir);
    try {
      const legit = scriptTa('victim-1');
      await vos.installTa(bundle(legit));
      const victimHash = (await installedOf(vos, VICTIM))?.codeSha256;
      const s = await vos.openSession(VICTIM);
      const mac = await plant(s);

      const attempts: Array<[string, TaSpec]> = [
        ['the identical manifest and code, same version', legit],
        ['other code, same version', scriptTa('attacker')],
        ['other code, higher version', scriptTa('attacker', { version: '2.0.0' })],
        ['the identical code, much higher version', { ...legit, version: '9.9.9' }],
        [
          'more capabilities, higher version',
          scriptTa('attacker', { version: '3.0.0', capabilities: [...CAPS, 'log'] }),
        ],
      ];
      for (const [what, spec] of attempts) {
        await refused(vos.installTa(bundle(spec, other.privateKeyPem)), TeeResult.ERROR_ACCESS_DENIED, what);
      }

      // Nothing changed: same code installed, the running session and a new one see the victim's state.
      const now = await installedOf(vos, VICTIM);
      assert.equal(now?.codeSha256, victimHash);
      assert.equal(now?.version, '1.0.0');
      assert.deepEqual(await look(s), { secret: 'victim-data', list: ['secret'], keys: ['victim-mac'], mac });
      await s.close();
      // No floor moved: the victim's own next version (below the refused 2.0.0 … 9.9.9) installs.
      await vos.installTa(bundle(scriptTa('victim-1.5', { version: '1.5.0' })));
      await vos.shutdown();

      vos = await start(dataDir);
      assert.equal((await installedOf(vos, VICTIM))?.version, '1.5.0');
      await refused(
        vos.installTa(bundle(scriptTa('attacker', { version: '2.0.0' }), other.privateKeyPem)),
        TeeResult.ERROR_ACCESS_DENIED,
        'after a restart',
      );
      const s2 = await vos.openSession(VICTIM);
      assert.deepEqual(await look(s2), {
        secret: 'victim-data',
        list: ['secret'],
        keys: ['victim-mac'],
        mac,
      });
      await s2.close();
    } finally {
      await vos.shutdown();
    }
  });

  it("test-only: with the owner record removed, another signer's TA on the victim UUID sees none of its objects or keys", async () => {
    const dataDir = tempDir();
    let vos = await start(dataDir);
    let mac: string;
    try {
      await vos.installTa(bundle(scriptTa('victim', { version: '5.0.0' })));
      const s = await vos.openSession(VICTIM);
      mac = await plant(s);
      await s.close();
    } finally {
      await vos.shutdown();
    }

    const victimNs = taStorageNamespace(VICTIM, signer.keyId);
    const attackerNs = taStorageNamespace(VICTIM, other.keyId);
    await withStore(dataDir, async (store) => {
      // The victim's objects and key live in its (UUID, signer) namespace, not in the bare UUID's.
      assert.deepEqual(await store.namespace(victimNs).list(), ['key/victim-mac', 'secret']);
      assert.deepEqual(await store.namespace(`ta:${VICTIM}`).list(), []);
      assert.deepEqual(await store.namespace(attackerNs).list(), []);
      // Test-only: forget which key owns the UUID (what the install check reads), keep everything else.
      await store.namespace('vos:system').delete(`ta-bundle:${VICTIM}`);
    });

    vos = await start(dataDir);
    try {
      assert.equal(await installedOf(vos, VICTIM), undefined);
      // Now installable, and at a version below the victim's floor 5.0.0: floors are per signer too.
      await vos.installTa(bundle(scriptTa('attacker'), other.privateKeyPem));
      const a = await vos.openSession(VICTIM);
      assert.deepEqual(await look(a), {
        secret: null,
        list: [],
        keys: [],
        mac: TeeResult.ERROR_ITEM_NOT_FOUND,
      });
      const w = await runScript(a, `await storage.write('secret', bytes('attacker-data')); return 1;`);
      assert.equal(w.ok, true, w.message);
      await a.close();
    } finally {
      await vos.shutdown();
    }

    await withStore(dataDir, async (store) => {
      const v = await store.namespace(victimNs).read('secret');
      assert.equal(new TextDecoder().decode(v?.data), 'victim-data', "the attacker's write went elsewhere");
      assert.deepEqual(await store.namespace(attackerNs).list(), ['secret']);
      await store.namespace('vos:system').delete(`ta-bundle:${VICTIM}`);
    });

    // The victim's signer takes its UUID back and finds its own state untouched; its floor still holds.
    vos = await start(dataDir);
    try {
      await refused(
        vos.installTa(bundle(scriptTa('victim-old', { version: '4.0.0' }))),
        TeeResult.ERROR_SECURITY,
        "below the victim's own floor",
      );
      await vos.installTa(bundle(scriptTa('victim', { version: '5.0.0' })));
      const s = await vos.openSession(VICTIM);
      assert.deepEqual(await look(s), { secret: 'victim-data', list: ['secret'], keys: ['victim-mac'], mac });
      await s.close();
    } finally {
      await vos.shutdown();
    }
  });

  it('same signer, same version: only the identical bundle is accepted again', async () => {
    const dataDir = tempDir();
    let vos = await start(dataDir);
    try {
      const first = bundle(scriptTa('a'));
      await vos.installTa(first);
      const hash = (await installedOf(vos, VICTIM))?.codeSha256;
      const s = await vos.openSession(VICTIM);
      const mac = await plant(s);

      // Idempotent: the same bundle again is accepted and changes nothing (the session lives on).
      assert.deepEqual(await vos.installTa(first), { uuid: VICTIM, name: 'test-bbbbbbbb', version: '1.0.0' });
      await vos.installTa(bundle(scriptTa('a')));
      assert.deepEqual((await look(s)).mac, mac);

      await refused(
        vos.installTa(bundle(scriptTa('b'))),
        TeeResult.ERROR_SECURITY,
        'other code, same version',
      );
      await refused(
        vos.installTa(bundle(scriptTa('a', { capabilities: [...CAPS, 'log'] }))),
        TeeResult.ERROR_SECURITY,
        'same code, other manifest, same version',
      );
      await refused(
        vos.installTa(bundle(scriptTa('a', { name: 'renamed' }))),
        TeeResult.ERROR_SECURITY,
        'same code, other name, same version',
      );
      assert.equal((await installedOf(vos, VICTIM))?.codeSha256, hash);
      assert.equal(
        (
          await s.invoke(0, [
            { type: 'memref', data: new TextEncoder().encode('return 1;') },
            { type: 'memref', dir: 'out', size: 64 },
          ])
        ).result,
        TeeResult.SUCCESS,
      );
      await s.close();
      await vos.shutdown();

      vos = await start(dataDir);
      assert.equal((await installedOf(vos, VICTIM))?.codeSha256, hash);
      await refused(vos.installTa(bundle(scriptTa('b'))), TeeResult.ERROR_SECURITY, 'after a restart');
      await vos.installTa(first);
      await vos.installTa(bundle(scriptTa('b', { version: '1.0.1' })));
      assert.equal((await installedOf(vos, VICTIM))?.version, '1.0.1');
    } finally {
      await vos.shutdown();
    }
  });

  it('a bundle whose code SES refuses or that does not load is refused at install and burns no version', async () => {
    const dataDir = tempDir();
    let vos = await start(dataDir);
    try {
      await vos.installTa(bundle(scriptTa('good-1')));
      const hash = (await installedOf(vos, VICTIM))?.codeSha256;
      const im = 'im' + 'port';
      const bad: Array<[string, string]> = [
        ['import( in a comment', `// ${im}('node:fs') is refused by SES even here\n${SCRIPT_TA_CODE}`],
        ['HTML open comment', `const x = 1; <!-- refused\n${SCRIPT_TA_CODE}`],
        ['HTML close comment', `${SCRIPT_TA_CODE}\n--> refused\n`],
        ['top-level throw', `throw new Error('boom');\n${SCRIPT_TA_CODE}`],
        ['a syntax error', `function TA_InvokeCommandEntryPoint( {`],
        [
          'no TA_InvokeCommandEntryPoint',
          'function TA_OpenSessionEntryPoint() {}\nfunction TA_CreateEntryPoint() {}',
        ],
        ['a reach for a Node global', `process.exit(1);\n${SCRIPT_TA_CODE}`],
        [
          'top-level storage write, then no entry point',
          `storage.write('planted', new Uint8Array([1]));\nkeys.persist(keys.generate('DES3', ['mac']), 'planted-key');`,
        ],
      ];
      for (const [what, code] of bad) {
        await refused(
          vos.installTa(bundle({ uuid: VICTIM, code, capabilities: CAPS, version: '2.0.0' })),
          TeeResult.ERROR_BAD_FORMAT,
          what,
        );
        const now = await installedOf(vos, VICTIM);
        assert.deepEqual([now?.version, now?.codeSha256], ['1.0.0', hash], `${what}: nothing installed`);
      }
      // A UUID never installed: a refused bundle leaves no trace and no floor.
      await refused(
        vos.installTa(
          bundle({ uuid: FRESH, code: `throw 1;\n${SCRIPT_TA_CODE}`, capabilities: CAPS, version: '7.0.0' }),
        ),
        TeeResult.ERROR_BAD_FORMAT,
        'fresh uuid',
      );
      assert.equal(await installedOf(vos, FRESH), undefined);
      await refused(vos.openSession(FRESH), TeeResult.ERROR_ITEM_NOT_FOUND, 'no session with a refused TA');
      await vos.shutdown();

      vos = await start(dataDir);
      assert.equal(await installedOf(vos, FRESH), undefined, 'nothing sealed for a refused bundle');
      // No version was burnt: the legitimate 2.0.0 installs, and a fresh UUID installs at 1.0.0 < 7.0.0.
      await vos.installTa(bundle(scriptTa('good-2', { version: '2.0.0' })));
      await vos.installTa(bundle({ uuid: FRESH, code: SCRIPT_TA_CODE, capabilities: CAPS }));
      const s = await vos.openSession(VICTIM);
      const seen = await look(s);
      assert.deepEqual(
        [seen.list, seen.keys],
        [[], []],
        'the top-level code of a refused bundle stored nothing',
      );
      await s.close();
    } finally {
      await vos.shutdown();
    }
  });

  it('a higher version from the same signer is accepted and keeps its objects and keys', async () => {
    const dataDir = tempDir();
    let vos = await start(dataDir);
    try {
      await vos.installTa(bundle(scriptTa('v1')));
      const s = await vos.openSession(VICTIM);
      const mac = await plant(s);
      await vos.installTa(bundle(scriptTa('v1.1', { version: '1.1.0', capabilities: [...CAPS, 'log'] })));
      const dead = await s.invoke(0, [
        { type: 'memref', data: new TextEncoder().encode('return 1;') },
        { type: 'memref', dir: 'out', size: 64 },
      ]);
      assert.equal(dead.result, TeeResult.ERROR_TARGET_DEAD, 'the old instance ended');
      const s2 = await vos.openSession(VICTIM);
      assert.deepEqual(await look(s2), {
        secret: 'victim-data',
        list: ['secret'],
        keys: ['victim-mac'],
        mac,
      });
      await s2.close();
      await vos.shutdown();

      vos = await start(dataDir);
      await vos.installTa(bundle(scriptTa('v2', { version: '2.0.0' })));
      const s3 = await vos.openSession(VICTIM);
      assert.deepEqual(await look(s3), {
        secret: 'victim-data',
        list: ['secret'],
        keys: ['victim-mac'],
        mac,
      });
      await s3.close();
      await refused(
        vos.installTa(bundle(scriptTa('v1.1', { version: '1.1.0' }))),
        TeeResult.ERROR_SECURITY,
        'rollback',
      );
    } finally {
      await vos.shutdown();
    }
  });
});
