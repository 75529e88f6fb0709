/**
 * examples/wallet-quickstart from the checkout (the fast path): its JSDoc types check against the
 * workspace packages (`tsc -p examples/wallet-quickstart`), and it pays, approved, against the
 * workspace's `openvse server` in development mode. The same script from packed tarballs in a
 * project outside the workspace: quickstart-packed.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ROOT } from '../repository/repo.js';
import { approved, QUICKSTART_DIR, run, runQuickstart, startDevServer } from './helpers.js';

describe('examples/wallet-quickstart in the workspace', () => {
  const dir = mkdtempSync(join(tmpdir(), 'openvse-quickstart-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('type-checks against the workspace packages', async () => {
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = await run(process.execPath, [tsc, '-p', QUICKSTART_DIR], ROOT);
    assert.equal(r.status, 0, `tsc -p examples/wallet-quickstart:\n${r.stdout}${r.stderr}`);
  });

  test('pays at the terminal, approved by a development server, twice', { timeout: 120_000 }, async (t) => {
    const server = await startDevServer(join(dir, 'server'));
    t.diagnostic(`openvse server ${server.mode}`);
    try {
      const r = await runQuickstart(join(QUICKSTART_DIR, 'quickstart.mjs'), ROOT, server);
      t.diagnostic(`quickstart: ${r.ms} ms`);
      assert.ok(approved(r), `quickstart (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
      for (const step of ['V-OS', 'digitize', 'enroll', 'provision', 'Terminal', 'authorization'])
        assert.match(r.stdout, new RegExp(`^\\[\\d\\] .*${step}`, 'm'), `step "${step}" printed`);
      // Again, against the same server: each run is a new phone (a device of its own).
      const again = await runQuickstart(join(QUICKSTART_DIR, 'quickstart.mjs'), ROOT, server);
      assert.ok(approved(again), `second run (exit ${again.status}):\n${again.stdout}\n${again.stderr}`);
    } finally {
      assert.equal(await server.stop(), 0, 'the server exits 0 on SIGTERM');
    }
  });
});
