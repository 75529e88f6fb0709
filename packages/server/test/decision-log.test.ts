/**
 * The info log holds one structured line per business decision and no polling
 * (stream/decision-log.ts, http/logging.ts isPollingRoute; docs/server-api.md "Logs"): an
 * enrollment refused for its TA code hash says which hash and level, an accepted one says so, an
 * authorization decision names its reason, and none of them carries chip data or a PAN; health
 * checks and dashboard polls write nothing at `info`.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { enroll, post, type TestServer, testServer } from './helpers/server.js';
import { adapters, type TestDb } from './helpers/stores.js';
import { TA_CODE_SHA256, TestTa } from './helpers/test-ta.js';

const sqlite = (await adapters()).find((a) => a.name === 'sqlite')!;

describe('decision log', () => {
  let db: TestDb;
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n')) if (l.trim()) lines.push(JSON.parse(l));
      cb();
    },
  });
  let refusing: TestServer;
  let accepting: TestServer;
  before(async () => {
    db = await sqlite.open();
    const logger = { level: 'info', stream };
    refusing = await testServer(db, {
      logger,
      attestation: { allowedCodeHashes: ['ab'.repeat(32)], minimumLevel: 'L1' },
    });
    accepting = await testServer(db, { logger });
  });
  after(async () => {
    await refusing?.close();
    await accepting?.close();
    await db?.cleanup();
  });

  const decisions = (type: string) =>
    lines
      .filter((l) => (l.decision as { type?: string } | undefined)?.type === type)
      .map((l) => l.decision as Record<string, unknown>);

  it('an enrollment refused for its code hash names the hash and the level; an accepted one is logged too', async () => {
    const ta = await TestTa.create();
    const r = await enroll(refusing.app, ta);
    assert.equal(r.body.error.code, 'ERR_ATTESTATION_CODE_HASH');
    const [refused] = decisions('enrollment');
    assert.equal(refused?.outcome, 'refused');
    assert.equal(refused?.code, 'ERR_ATTESTATION_CODE_HASH');
    assert.equal(refused?.taCodeSha256, TA_CODE_SHA256);
    assert.equal(refused?.minimumLevel, 'L1');
    assert.equal(typeof refused?.protectionLevel, 'string');
    assert.equal((await enroll(accepting.app, ta)).status, 201);
    assert.deepEqual(
      decisions('enrollment').map((d) => d.outcome),
      ['refused', 'enrolled'],
    );
  });

  it('an authorization decision is one line with its reason and no chip data or PAN', async () => {
    const chipData = '9F2608AABBCCDDEEFF001122';
    const r = await post(accepting.app, '/v1/authorizations', {
      idempotencyKey: 'decision-log-1',
      tokenPan: '4895370000009999',
      chipData,
      amount: 100,
      currency: '978',
    });
    assert.equal(r.body.reason, 'UNKNOWN_TOKEN');
    const auths = decisions('authorization');
    assert.equal(auths.length, 1);
    assert.equal(auths[0]?.id, r.body.authorizationId);
    assert.equal(auths[0]?.reason, 'UNKNOWN_TOKEN', JSON.stringify(auths[0]));
    const text = JSON.stringify(lines);
    assert.ok(
      !text.includes(chipData) && !text.includes('4895370000009999'),
      'no chip data, no PAN in the log',
    );
  });

  it('polls and health checks write nothing at info', async () => {
    const before = lines.length;
    for (const url of ['/healthz', '/v1/dashboard/overview', '/openapi.json'])
      await accepting.app.inject({ method: 'GET', url });
    assert.deepEqual(lines.slice(before), []);
  });
});
