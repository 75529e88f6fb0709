/**
 * Rollback (attack list item 4): save a copy of the data folder, make more writes, copy the old
 * folder back. With the PKCS#11 anchor, open refuses (TEE_ERROR_SECURITY 'rollback detected').
 * With the key file there is no local anchor: the store opens, and its stateCounter is lower than
 * before — the value the TA reports, signed, to the server, which refuses counters that go back.
 */
import assert from 'node:assert/strict';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TeeResult } from '@openvse/protocol';
import { openPkcs11Root } from '../../src/root-of-trust/index.js';
import type { RootOfTrust } from '../../src/root-of-trust/types.js';
import { SealedStore } from '../../src/storage/index.js';
import { makeSoftHsmToken, type SoftHsmToken, softHsmMissing } from '../helpers/softhsm.js';
import { requireSystem } from '../helpers/system.js';
import { bytes, keyFileStore, rejectsVos, tempDir, text } from './fixtures.js';

const NS = 'ta:11111111-2222-3333-4444-555555555555';

async function writeN(store: SealedStore, from: number, to: number): Promise<void> {
  const ns = store.namespace(NS);
  for (let i = from; i <= to; i++) await ns.write('atc', bytes(String(i)));
}

test('key file: a copied-back folder opens, with a lower state counter', async () => {
  const d = await tempDir();
  const saved = await tempDir();
  try {
    let s = await keyFileStore(d.path);
    await writeN(s.store, 1, 3);
    await s.close();
    await cp(d.path, saved.path, { recursive: true, force: true });
    s = await keyFileStore(d.path);
    await writeN(s.store, 4, 9);
    const before = s.store.stateCounter;
    assert.equal(before, 9n);
    await s.close();
    await rm(d.path, { recursive: true });
    await cp(saved.path, d.path, { recursive: true });
    s = await keyFileStore(d.path);
    assert.ok(s.store.stateCounter < before, 'the counter went back: the server sees it');
    assert.equal(s.store.stateCounter, 3n);
    assert.equal(text((await s.store.namespace(NS).read('atc'))?.data), '3');
    await s.close();
  } finally {
    await d.cleanup();
    await saved.cleanup();
  }
});

describe('PKCS#11 anchor', () => {
  const missing = softHsmMissing();
  let tok: SoftHsmToken | undefined;
  before(async () => {
    if (missing) return;
    tok = await makeSoftHsmToken();
    Object.assign(process.env, tok.env);
  });
  after(async () => {
    await tok?.cleanup();
  });
  const openRoot = (keyLabel: string): Promise<RootOfTrust> => {
    const t = tok as SoftHsmToken;
    return openPkcs11Root({ module: t.module, tokenLabel: t.tokenLabel, pin: t.pin, keyLabel });
  };

  test('a copied-back folder is refused: rollback detected', async (t) => {
    if (!requireSystem(missing ?? 'softhsm2', missing === null, t)) return;
    const d = await tempDir();
    const saved = await tempDir();
    const root = await openRoot('rollback-1');
    try {
      let s = await SealedStore.open({ dir: d.path, root });
      await writeN(s, 1, 3);
      assert.equal(await root.anchor?.read(), 3n, 'each commit advances the anchor');
      await s.close();
      await cp(d.path, saved.path, { recursive: true, force: true });
      s = await SealedStore.open({ dir: d.path, root });
      await writeN(s, 4, 6);
      assert.equal(await root.anchor?.read(), 6n);
      await s.close();
      await rm(d.path, { recursive: true });
      await cp(saved.path, d.path, { recursive: true });
      await rejectsVos(
        () => SealedStore.open({ dir: d.path, root }),
        TeeResult.ERROR_SECURITY,
        /rollback detected/,
      );
      // A deleted (reset) store is a rollback to zero: refused too.
      await rm(d.path, { recursive: true });
      await rejectsVos(
        () => SealedStore.open({ dir: d.path, root }),
        TeeResult.ERROR_SECURITY,
        /rollback detected/,
      );
      assert.equal(await root.anchor?.read(), 6n, 'the anchor never went back');
    } finally {
      await root.close();
      await d.cleanup();
      await saved.cleanup();
    }
  });

  test('a damaged newest slot falls back below the anchor: refused, not silently older', async (t) => {
    if (!requireSystem(missing ?? 'softhsm2', missing === null, t)) return;
    const d = await tempDir();
    const root = await openRoot('rollback-bitrot');
    try {
      const s = await SealedStore.open({ dir: d.path, root });
      await writeN(s, 1, 4); // slot B holds 4 (newest), slot A holds 3
      await s.close();
      const slot = join(d.path, 'dir.B');
      const f = await readFile(slot);
      f[20] = (f[20] ?? 0) ^ 0x10;
      await writeFile(slot, f);
      await rejectsVos(
        () => SealedStore.open({ dir: d.path, root }),
        TeeResult.ERROR_SECURITY,
        /rollback detected/,
      );
    } finally {
      await root.close();
      await d.cleanup();
    }
  });

  test('the store works on a PKCS#11 root and catches the anchor up after a crash', async (t) => {
    if (!requireSystem(missing ?? 'softhsm2', missing === null, t)) return;
    const d = await tempDir();
    const root = await openRoot('rollback-2');
    try {
      let s = await SealedStore.open({ dir: d.path, root });
      assert.equal(s.stateCounter, 0n);
      await s.namespace('vos:system').write('k', bytes('v'), { usage: 1 });
      await s.namespace(NS).transaction([
        { op: 'put', id: 'x', data: bytes('1') },
        { op: 'put', id: 'y', data: bytes('2') },
      ]);
      assert.equal(await root.anchor?.read(), 2n);
      await s.close();

      // A root whose anchor fails to advance: the commit is on disk (reported), the anchor lags.
      const anchor = root.anchor as NonNullable<RootOfTrust['anchor']>;
      const flaky: RootOfTrust = {
        kind: root.kind,
        hardwareBacked: root.hardwareBacked,
        deriveKey: (label) => root.deriveKey(label),
        anchor: {
          read: () => anchor.read(),
          advance: async () => {
            throw new Error('token removed');
          },
        },
        describe: () => root.describe(),
        close: async () => undefined,
      };
      s = await SealedStore.open({ dir: d.path, root: flaky });
      await rejectsVos(
        () => s.namespace(NS).write('x', bytes('3')),
        TeeResult.ERROR_STORAGE_NOT_AVAILABLE,
        /committed, but the rollback anchor/,
      );
      assert.equal(s.stateCounter, 3n);
      await s.close();
      assert.equal(await root.anchor?.read(), 2n);
      s = await SealedStore.open({ dir: d.path, root });
      assert.equal(s.stateCounter, 3n);
      assert.equal(await root.anchor?.read(), 3n, 'open caught the anchor up');
      assert.equal(text((await s.namespace(NS).read('x'))?.data), '3');
      await s.close();

      // Another key label on the same token: other keys, the folder does not authenticate.
      const other = await openRoot('rollback-3');
      await rejectsVos(() => SealedStore.open({ dir: d.path, root: other }), TeeResult.ERROR_CORRUPT_OBJECT);
      await other.close();
    } finally {
      await root.close();
      await d.cleanup();
    }
  });
});
