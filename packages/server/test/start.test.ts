/**
 * Starting the server for real (startServer / runServerCommand, which the lead wires to
 * `openvse server`): listen on a free port, answer over HTTP, take the KEK from a file or the
 * environment, refuse to start without one, and stop on SIGTERM.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createServer } from '../src/app.js';
import { commandConfig, runServerCommand, startServer } from '../src/start.js';
import { MIGRATIONS } from '../src/storage/migrations.js';
import { TEST_KEK } from './helpers/server.js';

describe('starting the server', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'openvse-start-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('listens and answers over HTTP (KEK from the environment)', async () => {
    const app = await startServer({
      port: 0,
      db: `sqlite:${join(dir, 'a.db')}`,
      env: { OPENVSE_KEK: TEST_KEK },
      logger: false,
    });
    try {
      const port = (app.server.address() as AddressInfo).port;
      const h = await fetch(`http://127.0.0.1:${port}/healthz`);
      assert.equal(h.status, 200);
      assert.deepEqual(await h.json(), { status: 'ok', schemaVersion: MIGRATIONS.at(-1)!.version });
      const bad = await fetch(`http://127.0.0.1:${port}/v1/cards`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"fundingPan":',
      });
      assert.equal(bad.status, 400);
      assert.equal(((await bad.json()) as { error: { code: string } }).error.code, 'ERR_INVALID_JSON');
    } finally {
      await app.close();
    }
  });

  it('refuses to start without a KEK, and with a different KEK than the database was made with', async () => {
    await assert.rejects(createServer({ db: 'sqlite::memory:', env: {}, logger: false }), {
      code: 'ERR_KEK_INVALID',
    });
    const db = `sqlite:${join(dir, 'b.db')}`;
    const first = await createServer({ db, kek: TEST_KEK, logger: false });
    await first.close();
    await assert.rejects(createServer({ db, kek: 'ff'.repeat(32), logger: false }), {
      code: 'ERR_KEY_UNWRAP',
    });
    await assert.rejects(createServer({ db: 'mysql://x', kek: TEST_KEK, logger: false }), {
      code: 'ERR_CONFIG',
    });
    // A mobile PIN needs at least one try (docs/cdcvm.md); 0 or 16 is a configuration error.
    for (const mobilePinTries of [0, 16, 1.5])
      await assert.rejects(
        createServer({
          db: 'sqlite::memory:',
          kek: TEST_KEK,
          logger: false,
          cardDefaults: { mobilePinTries } as never,
        }),
        { code: 'ERR_CONFIG' },
      );
  });

  it('maps command options and stops on SIGTERM', async () => {
    const kekFile = join(dir, 'kek');
    writeFileSync(kekFile, TEST_KEK);
    const cfg = commandConfig({
      port: '0',
      db: `sqlite:${join(dir, 'c.db')}`,
      kekFile,
      testIssuer: true,
      allowTa: 'aa,bb',
      minLevel: 'L2',
    });
    assert.deepEqual(cfg.issuerKeys, { mode: 'test' });
    assert.deepEqual(cfg.attestation, { allowedCodeHashes: ['aa', 'bb'], minimumLevel: 'L2' });
    const done = runServerCommand({
      port: 0,
      db: `sqlite:${join(dir, 'c.db')}`,
      kekFile,
      testIssuer: true,
      logLevel: 'silent',
    });
    await new Promise((r) => setTimeout(r, 300));
    process.emit('SIGTERM');
    await done;
  });
});
