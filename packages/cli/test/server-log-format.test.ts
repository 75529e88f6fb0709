/**
 * `openvse server --log-format pretty|json` (docs/server-api.md "Logs"): pretty is one
 * human-readable line per record — time, level, message, `key=value` fields — with the same
 * records, levels and redaction as JSON; json is one pino record per line (the default when stdout
 * is not a terminal, as here). Polls and health checks stay at `debug` in both.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startServerProcess } from './server-harness.js';

const PRETTY = /^\d{2}:\d{2}:\d{2}\.\d{3} (TRACE|DEBUG|INFO |WARN |ERROR|FATAL) \S/;

/** Waits until `lines` has a line matching `re` (the log is written as requests are answered). */
async function waitFor(lines: string[], re: RegExp, ms = 5000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const hit = lines.find((l) => re.test(l));
    if (hit) return hit;
    if (Date.now() > end) assert.fail(`no line matching ${re} in:\n${lines.join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('openvse server --log-format', { timeout: 120_000 }, () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'openvse-log-format-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('pretty: one human-readable line per record, the same fields, polls at debug only', async () => {
    const dataDir = join(dir, 'pretty');
    const s = await startServerProcess(['--dev', '--data-dir', dataDir, '--log-format', 'pretty']);
    try {
      const issuer = readFileSync(join(dataDir, 'credentials', 'tokens', 'issuer.jwt'), 'utf8').trim();
      assert.equal((await fetch(`${s.address}/healthz`)).status, 200);
      const keys = await fetch(`${s.address}/v1/issuer/keys`, {
        headers: { authorization: `Bearer ${issuer}` },
      });
      assert.equal(keys.status, 200);
      const line = await waitFor(s.lines, /request completed .*req\.url=\/v1\/issuer\/keys/);
      assert.match(line, PRETTY);
      assert.match(line, / INFO {2}request completed /);
      assert.match(line, / req\.method=GET /);
      assert.match(line, / res\.statusCode=200 /);
      assert.match(line, / responseTime=\d+(\.\d{1,3})?( |$)/);
      // The start-up summary and the bound address, in the same layout.
      const listening = s.lines.find((l) => l.includes('listening on'))!;
      assert.match(listening, PRETTY);
      assert.ok(listening.endsWith(`listening on ${s.address} address=${s.address}`), listening);
      assert.ok(s.lines.some((l) => / INFO {2}database sqlite:.* startup=database$/.test(l)));
      await s.stop();
      for (const l of s.lines.filter((x) => x.trim())) {
        assert.match(l, PRETTY, `not a pretty line: ${l}`);
        assert.doesNotMatch(l, /^\{/, l);
        assert.doesNotMatch(l, /\u001b\[/, 'no colours when stdout is not a terminal');
        assert.doesNotMatch(l, / pid=| hostname=/);
      }
      assert.ok(!s.lines.some((l) => l.includes('/healthz')), 'health checks are not logged at info');
      assert.ok(!s.lines.join('\n').includes(issuer.split('.')[2]!), 'the token is never logged');
      assert.ok(s.lines.some((l) => / INFO {2}closing signal=SIGTERM$/.test(l)));
    } finally {
      if (s.child.exitCode === null) await s.stop();
    }
  });

  test('pretty at debug: the polls appear, as DEBUG lines', async () => {
    const s = await startServerProcess([
      '--open',
      '--data-dir',
      join(dir, 'debug'),
      '--log-format',
      'pretty',
      '--log-level',
      'debug',
    ]);
    try {
      assert.equal((await fetch(`${s.address}/healthz`)).status, 200);
      const line = await waitFor(s.lines, /req\.url=\/healthz/);
      assert.match(line, / DEBUG request completed /);
    } finally {
      assert.equal(await s.stop(), 0);
    }
  });

  test('json: one pino record per line, with the same summary and request records', async () => {
    const s = await startServerProcess(['--open', '--data-dir', join(dir, 'json'), '--log-format', 'json']);
    try {
      assert.equal((await fetch(`${s.address}/v1/issuer/keys`)).status, 200);
      await waitFor(s.lines, /"url":"\/v1\/issuer\/keys"/);
    } finally {
      assert.equal(await s.stop(), 0);
    }
    const records = s.lines.filter((l) => l.trim()).map((l) => JSON.parse(l) as Record<string, unknown>);
    const request = records.find((r) => (r.req as { url?: string } | undefined)?.url === '/v1/issuer/keys')!;
    assert.equal(request.level, 30);
    assert.equal(request.msg, 'request completed');
    assert.equal((request.res as { statusCode: number }).statusCode, 200);
    assert.equal(records.filter((r) => typeof r.startup === 'string').length, 8);
    assert.ok(records.some((r) => r.msg === `listening on ${s.address}` && r.address === s.address));
  });

  test('--log-level warn: the per-request lines are off, the summary and the address are not', async () => {
    const s = await startServerProcess(['--open', '--data-dir', join(dir, 'warn'), '--log-level', 'warn']);
    try {
      assert.equal((await fetch(`${s.address}/v1/issuer/keys`)).status, 200);
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      assert.equal(await s.stop(), 0);
    }
    const records = s.lines.filter((l) => l.trim()).map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(records.filter((r) => typeof r.startup === 'string').length, 8);
    assert.ok(records.some((r) => r.msg === `listening on ${s.address}`));
    assert.ok(!records.some((r) => r.msg === 'request completed'));
  });
});
