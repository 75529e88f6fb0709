/**
 * Crash consistency (attack list item 5): a child process commits transactions that write
 * objects a, b, c with the same value n, n+1, …; the parent SIGKILLs it at random moments
 * (0–30 ms after it reports ready), at least 200 times, and after each kill opens the store:
 * it must open, a, b and c must hold the same n (old or new state, never a mix), and n never
 * goes down. Every kill that left uncommitted object files or a half-written directory temp file
 * proves the kill landed inside a commit.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openKeyFileRoot } from '../../src/root-of-trust/index.js';
import { SealedStore } from '../../src/storage/index.js';
import { tempDir } from './fixtures.js';

const CHILD = fileURLToPath(new URL('./crash-child.js', import.meta.url));
const IDENTITY = 'crash-test-device';
const KILLS = Number(process.env.OPENVSE_CRASH_KILLS ?? 200);

function runAndKill(dir: string, delayMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, dir, IDENTITY], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let killed = false;
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (!killed && out.includes('\n')) {
        killed = true;
        setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`child exited without being killed (${code}): ${err}`));
      else resolve(Number(/^ready (\d+)/.exec(out)?.[1] ?? -1));
    });
  });
}

test(`sealed store survives ${KILLS} SIGKILLs at random moments`, { timeout: 180_000 }, async () => {
  const d = await tempDir('openvse-crash-');
  const root = await openKeyFileRoot({ dir: d.path, deviceIdentity: IDENTITY }); // first boot before any child
  let last = 0;
  let interrupted = 0;
  let progressed = 0;
  const started = Date.now();
  try {
    for (let i = 0; i < KILLS; i++) {
      const readyAt = await runAndKill(d.path, Math.floor(Math.random() * 31));
      assert.equal(readyAt, last, `child ${i} saw the state the parent saw`);
      // Evidence the kill hit a commit: more object files than two states reference, or a temp slot.
      const objects = await readdir(join(d.path, 'objects'));
      const top = await readdir(d.path);
      if (
        objects.length > 6 ||
        objects.some((f) => f.endsWith('.tmp')) ||
        top.some((f) => f.endsWith('.tmp'))
      ) {
        interrupted++;
      }
      const store = await SealedStore.open({ dir: d.path, root });
      try {
        const ns = store.namespace('ta:11111111-2222-3333-4444-555555555555');
        const vals = await Promise.all(['a', 'b', 'c'].map((id) => ns.read(id)));
        const ns_ = vals.map((v) => (v ? Buffer.from(v.data).readUInt32BE(0) : 0));
        assert.ok(
          ns_[0] === ns_[1] && ns_[1] === ns_[2],
          `kill ${i}: a, b, c hold one state (got ${ns_.join(', ')})`,
        );
        const n = ns_[0] ?? 0;
        assert.ok(n >= last, `kill ${i}: state went back from ${last} to ${n}`);
        assert.equal(store.stateCounter, BigInt(n), 'one commit per transaction');
        if (n > last) progressed++;
        last = n;
      } finally {
        await store.close();
      }
      // After a clean open the interrupted commit's leftovers are gone.
      assert.ok((await readdir(join(d.path, 'objects'))).length <= 6);
    }
  } finally {
    await root.close();
    await d.cleanup();
  }
  console.log(
    `crash test: ${KILLS} kills in ${Date.now() - started} ms, final n=${last}, ` +
      `${progressed} kills after progress, ${interrupted} kills inside a commit`,
  );
  assert.ok(progressed >= KILLS / 10, 'the child made real progress between kills');
  assert.ok(interrupted > 0, 'some kills landed inside a commit');
});
