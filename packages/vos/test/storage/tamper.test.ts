/**
 * Tampering with the files of a sealed store (attack list item 2): a flipped bit at every byte of
 * an object file and of both directory slots, truncation, appended bytes, object files swapped or
 * copied over each other, slots swapped or replaced, and (at the codec level, past the directory
 * hash) a file moved to another id, namespace or version. The answer is always
 * TEE_ERROR_CORRUPT_OBJECT or an older complete state, never a mix and never wrong data.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cp, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { TeeResult } from '@openvse/protocol';
import { openObject, sealObject } from '../../src/storage/object-codec.js';
import { bytes, keyFileStore, rejectsVos, tempDir, text } from './fixtures.js';

const NS = 'ta:11111111-2222-3333-4444-555555555555';

async function onlyNewFile(dir: string, before: string[]): Promise<string> {
  const now = await readdir(join(dir, 'objects'));
  const added = now.filter((f) => !before.includes(f));
  assert.equal(added.length, 1);
  return added[0] as string;
}

describe('tampering with object files', () => {
  test('every flipped byte, truncation, extension, deletion → CORRUPT_OBJECT; swaps too', async () => {
    const d = await tempDir();
    try {
      const s = await keyFileStore(d.path);
      const ns = s.store.namespace(NS);
      await ns.write('a', randomBytes(150), { usage: 5, extractable: false, kind: 'des3' });
      const fileA = await onlyNewFile(d.path, []);
      await ns.write('b', bytes('object b'), { usage: 1 });
      const fileB = await onlyNewFile(d.path, [fileA]);
      const pathA = join(d.path, 'objects', fileA);
      const pathB = join(d.path, 'objects', fileB);
      const goodA = await readFile(pathA);
      const goodB = await readFile(pathB);
      const expectA = (await ns.read('a'))?.data;

      let checks = 0;
      for (let i = 0; i < goodA.length; i++) {
        for (const mask of [1 << (i % 8), 0x80, 0xff]) {
          const bad = Buffer.from(goodA);
          bad[i] = (bad[i] ?? 0) ^ mask;
          await writeFile(pathA, bad);
          await rejectsVos(() => ns.read('a'), TeeResult.ERROR_CORRUPT_OBJECT);
          checks++;
        }
      }
      for (let len = 0; len < goodA.length; len++) {
        await writeFile(pathA, goodA.subarray(0, len));
        await rejectsVos(() => ns.read('a'), TeeResult.ERROR_CORRUPT_OBJECT);
        checks++;
      }
      for (const extra of [Buffer.from([0]), randomBytes(16), goodA]) {
        await writeFile(pathA, Buffer.concat([goodA, extra]));
        await rejectsVos(() => ns.read('a'), TeeResult.ERROR_CORRUPT_OBJECT);
      }
      await unlink(pathA);
      await rejectsVos(() => ns.read('a'), TeeResult.ERROR_CORRUPT_OBJECT, /missing/);

      // B's file copied over A's; then the two files exchanged.
      await writeFile(pathA, goodB);
      await rejectsVos(() => ns.read('a'), TeeResult.ERROR_CORRUPT_OBJECT);
      assert.equal(text((await ns.read('b'))?.data), 'object b');
      await writeFile(pathB, goodA);
      await rejectsVos(() => ns.read('a'), TeeResult.ERROR_CORRUPT_OBJECT);
      await rejectsVos(() => ns.read('b'), TeeResult.ERROR_CORRUPT_OBJECT);

      await writeFile(pathA, goodA);
      await writeFile(pathB, goodB);
      assert.deepEqual((await ns.read('a'))?.data, expectA, 'store unharmed once the files are back');
      assert.ok(checks > 600);
      await s.close();
    } finally {
      await d.cleanup();
    }
  });

  test('codec: every flipped bit and every wrong context fail the GCM tag (no directory hash involved)', () => {
    const nsKey = randomBytes(32);
    const ctx = { namespace: NS, id: 'card/1', version: 3 };
    const policy = { usage: 0x0c, extractable: false, kind: 'luk' };
    const file = sealObject(nsKey, ctx, policy, bytes('limited-use key bytes'));
    const ok = openObject(nsKey, ctx, file);
    assert.equal(text(ok.data), 'limited-use key bytes');
    assert.deepEqual(ok.policy, policy);
    for (let i = 0; i < file.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const bad = Buffer.from(file);
        bad[i] = (bad[i] ?? 0) ^ (1 << bit);
        assert.throws(() => openObject(nsKey, ctx, bad), { code: 'TEE_ERROR_CORRUPT_OBJECT' });
      }
    }
    const other = [
      { ...ctx, namespace: 'ta:66666666-7777-8888-9999-aaaaaaaaaaaa' },
      { ...ctx, namespace: 'vos:system' },
      { ...ctx, id: 'card/2' },
      { ...ctx, version: 2 },
      { ...ctx, version: 4 },
    ];
    for (const c of other)
      assert.throws(() => openObject(nsKey, c, file), { code: 'TEE_ERROR_CORRUPT_OBJECT' });
    assert.throws(() => openObject(randomBytes(32), ctx, file), { code: 'TEE_ERROR_CORRUPT_OBJECT' });
    // The policy is in the AAD: making the key extractable by editing the clear policy bytes fails.
    const flipped = Buffer.from(file);
    const polAt = 8 + 32 + 12 + 8 + 2;
    flipped[polAt] = (flipped[polAt] ?? 0) | 0x06; // extractable present + true
    assert.throws(() => openObject(nsKey, ctx, flipped), { code: 'TEE_ERROR_CORRUPT_OBJECT' });
  });
});

describe('tampering with the directory slots', () => {
  /** Three commits: slot A holds counter 3 (a=b=v3), slot B counter 2 (a=b=v2). */
  async function threeCommits(dir: string): Promise<void> {
    const s = await keyFileStore(dir);
    const ns = s.store.namespace(NS);
    for (let v = 1; v <= 3; v++) {
      await ns.transaction([
        { op: 'put', id: 'a', data: bytes(`v${v}`) },
        { op: 'put', id: 'b', data: bytes(`v${v}`) },
      ]);
    }
    assert.equal(s.store.stateCounter, 3n);
    await s.close();
  }

  /** Opens the store and returns the state it shows; asserts it is one complete state. */
  async function stateOf(dir: string): Promise<{ counter: bigint; value: string }> {
    const s = await keyFileStore(dir);
    try {
      const ns = s.store.namespace(NS);
      const a = text((await ns.read('a'))?.data);
      const b = text((await ns.read('b'))?.data);
      assert.equal(a, b, 'never a mix of two states');
      assert.equal(a, `v${s.store.stateCounter}`, 'data matches the counter of the state');
      return { counter: s.store.stateCounter, value: a };
    } finally {
      await s.close();
    }
  }

  test('a flipped byte anywhere in the newer slot falls back to the older state; in the older slot, changes nothing', async () => {
    const d = await tempDir();
    try {
      await threeCommits(d.path);
      // Snapshot in memory; restoring rewrites the slots and any object file the last open collected.
      const objects = new Map<string, Buffer>();
      for (const f of await readdir(join(d.path, 'objects')))
        objects.set(f, await readFile(join(d.path, 'objects', f)));
      const good = { A: await readFile(join(d.path, 'dir.A')), B: await readFile(join(d.path, 'dir.B')) };
      const restore = async () => {
        await writeFile(join(d.path, 'dir.A'), good.A);
        await writeFile(join(d.path, 'dir.B'), good.B);
        const present = new Set(await readdir(join(d.path, 'objects')));
        for (const [f, b] of objects) if (!present.has(f)) await writeFile(join(d.path, 'objects', f), b);
      };
      for (const [slot, expected] of [
        ['A', 2n],
        ['B', 3n],
      ] as const) {
        const orig = good[slot];
        for (let i = 0; i < orig.length; i++) {
          await restore();
          const bad = Buffer.from(orig);
          bad[i] = (bad[i] ?? 0) ^ (1 << (i % 8));
          await writeFile(join(d.path, `dir.${slot}`), bad);
          const st = await stateOf(d.path);
          assert.equal(st.counter, expected, `slot ${slot} byte ${i}`);
        }
        for (const len of [0, 1, 8, 16, 60, orig.length - 17, orig.length - 1]) {
          await restore();
          await writeFile(join(d.path, `dir.${slot}`), orig.subarray(0, len));
          assert.equal((await stateOf(d.path)).counter, expected, `slot ${slot} truncated to ${len}`);
        }
        await restore();
        await writeFile(join(d.path, `dir.${slot}`), Buffer.concat([orig, Buffer.from([0])]));
        assert.equal((await stateOf(d.path)).counter, expected, `slot ${slot} extended`);
      }
    } finally {
      await d.cleanup();
    }
  });

  test('both slots broken → CORRUPT_OBJECT; a single broken slot → CORRUPT_OBJECT, never a silent reset', async () => {
    const d = await tempDir();
    try {
      await threeCommits(d.path);
      for (const slot of ['dir.A', 'dir.B']) {
        const f = await readFile(join(d.path, slot));
        f[f.length - 1] = (f[f.length - 1] ?? 0) ^ 1;
        await writeFile(join(d.path, slot), f);
      }
      await rejectsVos(() => keyFileStore(d.path), TeeResult.ERROR_CORRUPT_OBJECT);
    } finally {
      await d.cleanup();
    }
    const one = await tempDir();
    try {
      const s = await keyFileStore(one.path);
      await s.store.namespace(NS).write('a', bytes('only'));
      await s.close();
      const good = await readFile(join(one.path, 'dir.A'));
      for (let i = 0; i < good.length; i++) {
        const bad = Buffer.from(good);
        bad[i] = (bad[i] ?? 0) ^ (1 << (i % 8));
        await writeFile(join(one.path, 'dir.A'), bad);
        await rejectsVos(() => keyFileStore(one.path), TeeResult.ERROR_CORRUPT_OBJECT);
      }
      await writeFile(join(one.path, 'dir.A'), good.subarray(0, 10));
      await rejectsVos(() => keyFileStore(one.path), TeeResult.ERROR_CORRUPT_OBJECT);
      await writeFile(join(one.path, 'dir.A'), good);
      const back = await keyFileStore(one.path);
      assert.equal(back.store.stateCounter, 1n);
      assert.equal(text((await back.store.namespace(NS).read('a'))?.data), 'only');
      await back.close();
    } finally {
      await one.cleanup();
    }
  });

  test('swapped slots give the same state; an old slot copied over the new one gives the old state whole', async () => {
    const d = await tempDir();
    try {
      await threeCommits(d.path);
      await rename(join(d.path, 'dir.A'), join(d.path, 'tmp'));
      await rename(join(d.path, 'dir.B'), join(d.path, 'dir.A'));
      await rename(join(d.path, 'tmp'), join(d.path, 'dir.B'));
      assert.deepEqual(await stateOf(d.path), { counter: 3n, value: 'v3' });
      // dir.A now holds counter 2: copy it over dir.B (counter 3) → both 2 → state 2, complete.
      await cp(join(d.path, 'dir.A'), join(d.path, 'dir.B'));
      assert.deepEqual(await stateOf(d.path), { counter: 2n, value: 'v2' });
      // And the store keeps working from there.
      const s = await keyFileStore(d.path);
      await s.store.namespace(NS).transaction([
        { op: 'put', id: 'a', data: bytes('v3') },
        { op: 'put', id: 'b', data: bytes('v3') },
      ]);
      await s.close();
      assert.deepEqual(await stateOf(d.path), { counter: 3n, value: 'v3' });
    } finally {
      await d.cleanup();
    }
  });

  test('a slot from a store under another root key does not authenticate', async () => {
    const d = await tempDir();
    const other = await tempDir();
    try {
      await threeCommits(d.path);
      await threeCommits(other.path);
      await cp(join(other.path, 'dir.A'), join(d.path, 'dir.A'));
      assert.deepEqual(await stateOf(d.path), { counter: 2n, value: 'v2' });
      await cp(join(other.path, 'dir.B'), join(d.path, 'dir.B'));
      await rejectsVos(() => keyFileStore(d.path), TeeResult.ERROR_CORRUPT_OBJECT);
    } finally {
      await d.cleanup();
      await other.cleanup();
    }
  });
});
