/**
 * The commit's directory slot is overwritten in place (docs/sealed-storage.md "Commit protocol":
 * no temp file, no rename, one fsync less; a slot's first write only is a temp file and a
 * rename): a torn slot write must leave the committed state in the other slot, the store must go
 * on committing into the torn slot, and no temp file is left. Reads and lists see the committed
 * state at once, without queueing behind a commit.
 */
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { bytes, keyFileStore, tempDir, text } from './fixtures.js';

const NS = 'ta:11111111-2222-3333-4444-555555555555';

/** The slot that holds the older of the two states (the one the next commit overwrites). */
async function olderSlot(dir: string): Promise<string> {
  const [a, b] = await Promise.all(['dir.A', 'dir.B'].map((f) => readFile(join(dir, f))));
  return a!.readBigUInt64BE(8) < b!.readBigUInt64BE(8) ? 'dir.A' : 'dir.B';
}

describe('directory slots written in place', () => {
  test('a torn slot write leaves the committed state; commits go on into the torn slot', async () => {
    const d = await tempDir();
    try {
      let s = await keyFileStore(d.path);
      let ns = s.store.namespace(NS);
      await ns.write('x', bytes('v1'));
      // The first slot is created whole (temp file + rename): never a lone torn slot file.
      const first = await readdir(d.path);
      assert.ok(first.includes('dir.A') && !first.includes('dir.B'));
      for (let i = 2; i <= 3; i++) await ns.write('x', bytes(`v${i}`));
      await s.close();
      const older = join(d.path, await olderSlot(d.path));
      const good = await readFile(older);
      // What a crash in the middle of overwriting the free slot leaves: a prefix, a prefix over
      // stale bytes, zeros, nothing.
      for (const torn of [
        good.subarray(0, 0),
        good.subarray(0, 30),
        Buffer.concat([good.subarray(0, good.length - 20), Buffer.alloc(20)]),
        Buffer.alloc(good.length),
      ]) {
        await writeFile(older, torn);
        s = await keyFileStore(d.path);
        ns = s.store.namespace(NS);
        assert.equal(text((await ns.read('x'))?.data), 'v3');
        assert.equal(s.store.stateCounter, 3n);
        await s.close();
      }
      // The next commit goes into the torn slot and is read back after a reopen.
      s = await keyFileStore(d.path);
      ns = s.store.namespace(NS);
      await ns.write('x', bytes('v4'));
      await ns.write('y', bytes('w'));
      await s.close();
      s = await keyFileStore(d.path);
      ns = s.store.namespace(NS);
      assert.equal(text((await ns.read('x'))?.data), 'v4');
      assert.equal(text((await ns.read('y'))?.data), 'w');
      assert.equal(s.store.stateCounter, 5n);
      await s.close();
      const top = await readdir(d.path);
      assert.ok(!top.some((f) => f.endsWith('.tmp')), 'no temp slot files');
    } finally {
      await d.cleanup();
    }
  });

  test('reads and lists see the committed state while a commit is in progress', async () => {
    const d = await tempDir();
    try {
      const s = await keyFileStore(d.path);
      const ns = s.store.namespace(NS);
      await ns.write('x', bytes('old'));
      const writing = ns.transaction([
        { op: 'put', id: 'x', data: bytes('new') },
        { op: 'put', id: 'z', data: bytes('z') },
      ]);
      // Issued after the commit started: answered from the committed state, not queued behind it.
      assert.equal(text((await ns.read('x'))?.data), 'old');
      assert.deepEqual(await ns.list(), ['x']);
      await writing;
      assert.equal(text((await ns.read('x'))?.data), 'new');
      assert.deepEqual(await ns.list(), ['x', 'z']);
      await s.close();
    } finally {
      await d.cleanup();
    }
  });
});
