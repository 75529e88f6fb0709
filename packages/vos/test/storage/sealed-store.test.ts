/**
 * Sealed store basics (attack list item 1): round trip, authenticated policy and version,
 * all-or-nothing transactions, namespace isolation (also against files copied across), ids that
 * try to be paths, parameter checks, locking and close.
 */
import assert from 'node:assert/strict';
import { copyFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { TeeResult } from '@openvse/protocol';
import { openKeyFileRoot } from '../../src/root-of-trust/index.js';
import { SealedStore } from '../../src/storage/index.js';
import { bytes, keyFileStore, rejectsVos, tempDir, text } from './fixtures.js';

const TA1 = 'ta:11111111-2222-3333-4444-555555555555';
const TA2 = 'ta:66666666-7777-8888-9999-aaaaaaaaaaaa';

async function objectFiles(dir: string): Promise<string[]> {
  return (await readdir(join(dir, 'objects'))).sort();
}

describe('sealed store', () => {
  test('round trip with policy and version; counter bumps per commit', async () => {
    const d = await tempDir();
    try {
      const s = await keyFileStore(d.path);
      const ns = s.store.namespace(TA1);
      assert.equal(s.store.stateCounter, 0n);
      assert.equal(await ns.read('k'), null);
      await ns.write('k', bytes('first'), { usage: 0x12, extractable: false, kind: 'aes-256' });
      assert.equal(s.store.stateCounter, 1n);
      let o = await ns.read('k');
      assert.equal(text(o?.data), 'first');
      assert.deepEqual(o?.policy, { usage: 0x12, extractable: false, kind: 'aes-256' });
      assert.equal(o?.version, 1);
      await ns.write('k', bytes('second'));
      o = await ns.read('k');
      assert.equal(text(o?.data), 'second');
      assert.deepEqual(o?.policy, {});
      assert.equal(o?.version, 2);
      await ns.write('empty', new Uint8Array(0));
      assert.equal((await ns.read('empty'))?.data.length, 0);
      assert.deepEqual(await ns.list(), ['empty', 'k']);
      await ns.delete('k');
      assert.equal(await ns.read('k'), null);
      await rejectsVos(() => ns.delete('k'), TeeResult.ERROR_ITEM_NOT_FOUND);
      assert.equal(s.store.stateCounter, 4n);
      await s.close();

      const again = await keyFileStore(d.path);
      assert.equal(again.store.stateCounter, 4n);
      assert.deepEqual(await again.store.namespace(TA1).list(), ['empty']);
      await again.close();
    } finally {
      await d.cleanup();
    }
  });

  test('the caller may reuse its buffer at once; returned data is a private copy', async () => {
    const d = await tempDir();
    try {
      const s = await keyFileStore(d.path);
      const ns = s.store.namespace('vos:system');
      const buf = bytes('secret-value');
      const p = ns.write('x', buf);
      buf.fill(0x41);
      await p;
      assert.equal(text((await ns.read('x'))?.data), 'secret-value');
      const r1 = await ns.read('x');
      r1?.data.fill(0);
      assert.equal(text((await ns.read('x'))?.data), 'secret-value');
      await s.close();
    } finally {
      await d.cleanup();
    }
  });

  test('nothing readable on disk: no plaintext, no object ids in file names', async () => {
    const d = await tempDir();
    try {
      const s = await keyFileStore(d.path);
      await s.store
        .namespace(TA1)
        .write('card-4111111111111111', bytes('PLAINTEXT-MARKER-xyz'), { kind: 'luk' });
      await s.close();
      const names = [...(await readdir(d.path)), ...(await objectFiles(d.path))];
      for (const n of names) assert.ok(!n.includes('4111'), n);
      for (const n of await objectFiles(d.path)) {
        const f = await readFile(join(d.path, 'objects', n));
        assert.ok(!f.includes('PLAINTEXT-MARKER'));
        assert.ok(!f.includes('4111111111111111'));
        assert.ok(!f.includes(TA1));
      }
      for (const slot of ['dir.A', 'dir.B']) {
        const f = await readFile(join(d.path, slot)).catch(() => Buffer.alloc(0));
        assert.ok(!f.includes('4111111111111111'));
        assert.ok(!f.includes('ta:1111'));
      }
    } finally {
      await d.cleanup();
    }
  });

  test('transactions are all or nothing', async () => {
    const d = await tempDir();
    try {
      const s = await keyFileStore(d.path);
      const ns = s.store.namespace(TA1);
      await ns.transaction([
        { op: 'put', id: 'a', data: bytes('1') },
        { op: 'put', id: 'b', data: bytes('1') },
      ]);
      assert.equal(s.store.stateCounter, 1n, 'one commit for the whole transaction');
      const filesBefore = await objectFiles(d.path);
      // The delete of a missing object fails the whole transaction: a and c unchanged.
      await rejectsVos(
        () =>
          ns.transaction([
            { op: 'put', id: 'a', data: bytes('2') },
            { op: 'put', id: 'c', data: bytes('2') },
            { op: 'delete', id: 'missing' },
          ]),
        TeeResult.ERROR_ITEM_NOT_FOUND,
      );
      // A bad op anywhere is rejected before anything is written.
      await rejectsVos(
        () =>
          ns.transaction([
            { op: 'put', id: 'a', data: bytes('3') },
            { op: 'put', id: 'b', data: 'not bytes' as unknown as Uint8Array },
          ]),
        TeeResult.ERROR_BAD_PARAMETERS,
      );
      await rejectsVos(
        () => ns.transaction([{ op: 'rename', id: 'a' } as unknown as { op: 'delete'; id: string }]),
        TeeResult.ERROR_BAD_PARAMETERS,
      );
      assert.equal(text((await ns.read('a'))?.data), '1');
      assert.equal(await ns.read('c'), null);
      assert.equal(s.store.stateCounter, 1n);
      assert.deepEqual(await objectFiles(d.path), filesBefore, 'no stray files left by failed transactions');
      // Ops apply in order: put then delete of one id leaves nothing; delete then put recreates.
      await ns.transaction([
        { op: 'put', id: 'tmp', data: bytes('x') },
        { op: 'delete', id: 'tmp' },
        { op: 'delete', id: 'b' },
        { op: 'put', id: 'b', data: bytes('b2') },
        { op: 'put', id: 'a', data: bytes('a2') },
        { op: 'put', id: 'a', data: bytes('a3') },
      ]);
      assert.equal(await ns.read('tmp'), null);
      assert.equal(text((await ns.read('a'))?.data), 'a3');
      assert.equal((await ns.read('a'))?.version, 2);
      assert.equal(text((await ns.read('b'))?.data), 'b2');
      assert.equal(s.store.stateCounter, 2n);
      await ns.transaction([]);
      assert.equal(s.store.stateCounter, 2n, 'empty transaction commits nothing');
      await s.close();
    } finally {
      await d.cleanup();
    }
  });

  test('namespaces are isolated, also against object files copied across', async () => {
    const d = await tempDir();
    try {
      const s = await keyFileStore(d.path);
      const a = s.store.namespace(TA1);
      const b = s.store.namespace(TA2);
      await a.write('shared-id', bytes('secret of TA1'));
      assert.equal(await b.read('shared-id'), null);
      assert.deepEqual(await b.list(), []);
      await rejectsVos(() => b.delete('shared-id'), TeeResult.ERROR_ITEM_NOT_FOUND);
      await b.write('shared-id', bytes('TA2 data'));
      assert.equal(text((await a.read('shared-id'))?.data), 'secret of TA1');
      assert.equal(text((await b.read('shared-id'))?.data), 'TA2 data');
      // Upper-case UUID is the same namespace (canonicalised), not a new one.
      const upper = `ta:${TA1.slice(3).toUpperCase()}`;
      assert.equal(text((await s.store.namespace(upper).read('shared-id'))?.data), 'secret of TA1');
      // Copy one namespace's object file over the other's: the overwritten object must fail with
      // CORRUPT_OBJECT (never show the other namespace's bytes); the untouched one still reads.
      const [f1, f2] = await objectFiles(d.path);
      assert.ok(f1 && f2);
      const saved2 = await readFile(join(d.path, 'objects', f2));
      await copyFile(join(d.path, 'objects', f1), join(d.path, 'objects', f2));
      const outcomes = await Promise.all(
        [a, b].map((ns) =>
          ns.read('shared-id').then(
            (o) => text(o?.data),
            (e: { code?: string }) => e.code,
          ),
        ),
      );
      assert.equal(outcomes.filter((o) => o === 'TEE_ERROR_CORRUPT_OBJECT').length, 1, outcomes.join());
      assert.ok(outcomes.includes('secret of TA1') || outcomes.includes('TA2 data'));
      assert.ok(!outcomes.includes('secret of TA1') || !outcomes.includes('TA2 data'));
      await writeFile(join(d.path, 'objects', f2), saved2);
      assert.equal(text((await a.read('shared-id'))?.data), 'secret of TA1');
      assert.equal(text((await b.read('shared-id'))?.data), 'TA2 data');
      await s.close();
    } finally {
      await d.cleanup();
    }
  });

  test('object ids are opaque strings, never paths', async () => {
    const d = await tempDir();
    try {
      const s = await keyFileStore(d.path);
      const ns = s.store.namespace('vos:system');
      const ids = [
        '../../../etc/passwd',
        '/abs',
        '__proto__',
        'constructor',
        'a/b\\c',
        'é🔑',
        '.',
        '..',
        'x'.repeat(1024),
      ];
      for (const [i, id] of ids.entries()) await ns.write(id, bytes(`v${i}`));
      for (const [i, id] of ids.entries()) assert.equal(text((await ns.read(id))?.data), `v${i}`);
      assert.deepEqual(await ns.list(), [...ids].sort());
      for (const f of await objectFiles(d.path)) assert.match(f, /^[0-9a-f]{32}\.obj$/);
      assert.deepEqual((await readdir(d.path)).sort(), [
        '.lock',
        'dir.A',
        'dir.B',
        'objects',
        'root-key.sealed',
      ]);
      await s.close();
      const again = await keyFileStore(d.path);
      assert.deepEqual(await again.store.namespace('vos:system').list(), [...ids].sort());
      await again.close();
    } finally {
      await d.cleanup();
    }
  });

  test('bad parameters', async () => {
    const d = await tempDir();
    try {
      const s = await keyFileStore(d.path);
      for (const name of [
        '',
        'ta:not-a-uuid',
        'other:x',
        'vos:',
        'vos:UPPER',
        'vos:a/b',
        'vos-storage:directory',
      ]) {
        assert.throws(() => s.store.namespace(name), { code: 'TEE_ERROR_BAD_PARAMETERS' });
      }
      const ns = s.store.namespace('vos:system');
      await rejectsVos(() => ns.write('', bytes('x')), TeeResult.ERROR_BAD_PARAMETERS);
      await rejectsVos(() => ns.write('x'.repeat(1025), bytes('x')), TeeResult.ERROR_BAD_PARAMETERS);
      await rejectsVos(() => ns.write('\udc00', bytes('x')), TeeResult.ERROR_BAD_PARAMETERS);
      await rejectsVos(() => ns.write(7 as unknown as string, bytes('x')), TeeResult.ERROR_BAD_PARAMETERS);
      await rejectsVos(() => ns.write('x', 'str' as unknown as Uint8Array), TeeResult.ERROR_BAD_PARAMETERS);
      await rejectsVos(() => ns.write('x', [1, 2] as unknown as Uint8Array), TeeResult.ERROR_BAD_PARAMETERS);
      await rejectsVos(() => ns.write('x', bytes('x'), { usage: -1 }), TeeResult.ERROR_BAD_PARAMETERS);
      await rejectsVos(() => ns.write('x', bytes('x'), { usage: 1.5 }), TeeResult.ERROR_BAD_PARAMETERS);
      await rejectsVos(
        () => ns.write('x', bytes('x'), { extractable: 'yes' as unknown as boolean }),
        TeeResult.ERROR_BAD_PARAMETERS,
      );
      await rejectsVos(
        () => ns.write('x', bytes('x'), { admin: true } as unknown as { usage: number }),
        TeeResult.ERROR_BAD_PARAMETERS,
      );
      await rejectsVos(
        () => ns.write('x', bytes('x'), { kind: 'k'.repeat(65) }),
        TeeResult.ERROR_BAD_PARAMETERS,
      );
      await rejectsVos(
        () => ns.write('x', new Uint8Array(16 * 1024 * 1024 + 1)),
        TeeResult.ERROR_STORAGE_NO_SPACE,
      );
      await rejectsVos(() => ns.transaction('x' as unknown as []), TeeResult.ERROR_BAD_PARAMETERS);
      assert.equal(s.store.stateCounter, 0n);
      await s.close();
    } finally {
      await d.cleanup();
    }
  });

  test('one opener per folder; close is idempotent and final', async () => {
    const d = await tempDir();
    try {
      const s = await keyFileStore(d.path);
      const root2 = await openKeyFileRoot({ dir: d.path, deviceIdentity: 'test-device-identity-1' });
      await rejectsVos(() => SealedStore.open({ dir: d.path, root: root2 }), TeeResult.ERROR_ACCESS_CONFLICT);
      const ns = s.store.namespace('vos:system');
      await ns.write('x', bytes('1'));
      await s.store.close();
      await s.store.close();
      await rejectsVos(() => ns.read('x'), TeeResult.ERROR_BAD_STATE);
      await rejectsVos(() => ns.write('x', bytes('2')), TeeResult.ERROR_BAD_STATE);
      assert.throws(() => s.store.namespace('vos:system'), { code: 'TEE_ERROR_BAD_STATE' });
      const s2 = await SealedStore.open({ dir: d.path, root: root2 });
      assert.equal(text((await s2.namespace('vos:system').read('x'))?.data), '1');
      await s2.close();
      await root2.close();
      await s.root.close();
    } finally {
      await d.cleanup();
    }
  });

  test('concurrent calls are serialised', async () => {
    const d = await tempDir();
    try {
      const s = await keyFileStore(d.path);
      const ns = s.store.namespace('vos:system');
      await Promise.all(Array.from({ length: 40 }, (_, i) => ns.write(`k${i % 5}`, bytes(String(i)))));
      assert.equal(s.store.stateCounter, 40n);
      for (let j = 0; j < 5; j++) assert.equal(text((await ns.read(`k${j}`))?.data), String(35 + j));
      assert.equal((await readdir(join(d.path, 'objects'))).length <= 10, true, 'old versions are collected');
      await s.close();
    } finally {
      await d.cleanup();
    }
  });
});
