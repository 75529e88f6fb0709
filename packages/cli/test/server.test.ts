/**
 * `openvse server`, run as a user runs it: spawn the built CLI on an ephemeral port, read the
 * bound address from the JSON log on stdout, talk HTTP to it, stop it with SIGTERM (exit 0);
 * start-up failures are one line on stderr, `openvse server: ERR_…: …` (cli-error.ts), and exit 1
 * when the server fails, 2 for bad arguments or an unreadable input file.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MAIN, startServerProcess } from './server-harness.js';

const KEK = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';
/** `openvse server --port 0 …` until it listens (server-harness.ts, shared with the --dev tests). */
const start = startServerProcess;

describe('openvse server', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'openvse-server-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('listens on an ephemeral port, logs JSON, answers /healthz, exits 0 on SIGTERM', async () => {
    const dataDir = join(dir, 'data');
    const s = await start(['--data-dir', dataDir, '--test-issuer'], { OPENVSE_KEK: KEK });
    try {
      const h = await fetch(`${s.address}/healthz`);
      assert.equal(h.status, 200);
      const health = (await h.json()) as { status: string; schemaVersion: number };
      assert.equal(health.status, 'ok');
      assert.ok(Number.isInteger(health.schemaVersion) && health.schemaVersion >= 1);
      // Callers authenticate by default: tokens of a local authorization server in the data dir.
      const anonymous = await fetch(`${s.address}/v1/issuer/keys`);
      assert.equal(anonymous.status, 401);
      const tokenFile = join(dataDir, 'credentials', 'tokens', 'issuer.jwt');
      assert.equal(statSync(tokenFile).mode & 0o777, 0o600);
      assert.equal(statSync(join(dataDir, 'credentials', 'authorization-server.jwk')).mode & 0o777, 0o600);
      const keys = await fetch(`${s.address}/v1/issuer/keys`, {
        headers: { authorization: `Bearer ${readFileSync(tokenFile, 'utf8').trim()}` },
      });
      assert.equal(keys.status, 200);
      const acquirer = readFileSync(join(dataDir, 'credentials', 'tokens', 'acquirer.jwt'), 'utf8').trim();
      const wrongClass = await fetch(`${s.address}/v1/issuer/keys`, {
        headers: { authorization: `Bearer ${acquirer}` },
      });
      assert.equal(wrongClass.status, 403);
      assert.ok(existsSync(join(dataDir, 'openvse.db')), 'default database in the data directory');
      assert.ok(
        s.lines.some((l) => l.includes('credentials/tokens')),
        'says where the tokens are',
      );
    } finally {
      s.child.kill('SIGTERM');
    }
    assert.equal(await s.exit, 0);
    for (const line of s.lines.filter((l) => l.trim()))
      assert.doesNotThrow(() => JSON.parse(line), `not a JSON log line: ${line}`);
    assert.ok(s.lines.some((l) => l.includes('"msg":"closing"')));
    assert.ok(!s.lines.join('\n').includes(KEK), 'the KEK is never logged');
  });

  test('--db, --kek-file, SIGINT; the same database opens again with the same KEK', async () => {
    const kekFile = join(dir, 'kek');
    writeFileSync(kekFile, KEK, { mode: 0o600 });
    const db = `sqlite:${join(dir, 'x.db')}`;
    for (let i = 0; i < 2; i++) {
      const s = await start(
        ['--db', db, '--kek-file', kekFile, '--token-bin', 'V:400000', '--data-dir', join(dir, 'd2')],
        {},
      );
      const h = await fetch(`${s.address}/healthz`);
      assert.equal(h.status, 200);
      s.child.kill('SIGINT');
      assert.equal(await s.exit, 0);
    }
  });

  test('no KEK given: one is created in the data directory (0600) and used again; --open serves without tokens', async () => {
    const dataDir = join(dir, 'fresh');
    for (let i = 0; i < 2; i++) {
      const s = await start(['--data-dir', dataDir, '--open'], {});
      const keys = await fetch(`${s.address}/v1/issuer/keys`);
      assert.equal(keys.status, 200, 'open mode: no token needed');
      s.child.kill('SIGTERM');
      assert.equal(await s.exit, 0);
      assert.equal(statSync(join(dataDir, 'kek')).mode & 0o777, 0o600);
    }
    assert.ok(!existsSync(join(dataDir, 'credentials')), 'open mode writes no credentials');
  });

  test('start-up failures: one line on stderr, exit 1', () => {
    const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
      spawnSync(
        process.execPath,
        [MAIN, 'server', '--port', '0', '--data-dir', join(dir, 'fail-data'), ...args],
        {
          env: { PATH: process.env.PATH, ...env },
          encoding: 'utf8',
          timeout: 20_000,
        },
      );
    writeFileSync(join(dir, 'bad-kek'), 'not a key\n');
    const badKek = run(['--db', `sqlite:${join(dir, 'y.db')}`, '--kek-file', join(dir, 'bad-kek')]);
    assert.equal(badKek.status, 1);
    assert.match(badKek.stderr, /^openvse server: ERR_KEK_INVALID/);
    const openWide = run(['--open', '--host', '0.0.0.0'], { OPENVSE_KEK: KEK });
    assert.equal(openWide.status, 1);
    assert.match(openWide.stderr, /^openvse server: ERR_CONFIG: host 0\.0\.0\.0 is not a loopback address/);
    const halfAuth = run(['--auth-jwks', join(dir, 'jwks.json')], { OPENVSE_KEK: KEK });
    assert.equal(halfAuth.status, 2);
    assert.match(
      halfAuth.stderr,
      /^openvse server: ERR_USAGE: --auth-jwks needs --auth-issuer and --auth-audience/,
    );
    const wrongKek = run(['--db', `sqlite:${join(dir, 'x.db')}`], { OPENVSE_KEK: 'ff'.repeat(32) });
    assert.equal(wrongKek.status, 1);
    assert.match(wrongKek.stderr, /^openvse server: ERR_KEY_UNWRAP/);
    assert.equal(wrongKek.stderr.trim().split('\n').length, 1);
    const badBin = run(['--db', `sqlite:${join(dir, 'z.db')}`, '--token-bin', 'X:1'], { OPENVSE_KEK: KEK });
    assert.equal(badBin.status, 2);
    assert.match(badBin.stderr, /^openvse server: ERR_USAGE: --token-bin/);
    const badFraud = run(
      ['--db', `sqlite:${join(dir, 'z.db')}`, '--fraud-config', join(dir, 'missing.json')],
      {
        OPENVSE_KEK: KEK,
      },
    );
    assert.equal(badFraud.status, 2);
    assert.match(
      badFraud.stderr,
      /^openvse server: ERR_INPUT: --fraud-config: cannot read the file \(ENOENT\)\n$/,
    );
    const badNats = run(['--open', '--db', `sqlite:${join(dir, 'n.db')}`, '--nats', 'http://x:1'], {
      OPENVSE_KEK: KEK,
    });
    assert.equal(badNats.status, 1);
    assert.match(badNats.stderr, /^openvse server: ERR_CONFIG: stream\.nats\.servers/);
    // $OPENVSE_NATS_URL when no --nats; nothing listens there: the server does not start
    const noNats = run(['--open', '--db', `sqlite:${join(dir, 'n.db')}`], {
      OPENVSE_KEK: KEK,
      OPENVSE_NATS_URL: 'nats://127.0.0.1:1',
    });
    assert.equal(noNats.status, 1);
    assert.match(noNats.stderr, /^openvse server: ERR_STREAM_UNAVAILABLE: stream: cannot connect to NATS/);
    assert.equal(noNats.stderr.trim().split('\n').length, 1);
    const badPort = run(['--port', 'abc']);
    assert.notEqual(badPort.status, 0);
    assert.match(badPort.stderr, /--port/);
  });
});
