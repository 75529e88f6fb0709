/**
 * The report stream under faults (docs/scaling.md "Threat intelligence as a stream": ack
 * semantics, broker loss). A broker of the test's own (nats-server.ts; `SYSTEM:` skip without
 * nats-server), a receiving instance in this process (consume off) and the consumer in a child
 * process (fixtures/consumer-process.ts) on one SQLite file. Several devices stream their reports
 * in seq order (some seqs never sent: gaps), retrying a 503 as V-Guard does; mid-stream the
 * consumer is SIGKILLed, then the broker is killed and started again on the same store directory
 * while publishing goes on, then the consumer is started again. At the end: every accepted report
 * is stored (0 lost), none twice (threat_reports rows = distinct (device, seq) accepted; threats
 * rows = the threats sent), and each device's last seq, report count and gap sum are exact.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { type TestServer, testServer } from '../helpers/server.js';
import { adapters, type TestDb } from '../helpers/stores.js';
import { Reporter, threat } from '../threats/reporter.js';
import { natsSkip, TestNats, waitFor } from './nats-server.js';

const DEVICES = 5;
const SEQS_PER_DEVICE = 120;
/** Seqs a device never sends (they count as gaps). */
const skipped = (seq: number) => seq % 10 === 5;
/** Reports that carry a threat (LD_PRELOAD: blocking, so verdicts flip back and forth). */
const withThreat = (seq: number) => seq % 7 === 0;
const FIXTURE = fileURLToPath(new URL('./fixtures/consumer-process.js', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sqlite = (await adapters()).find((a) => a.name === 'sqlite')!;

describe('report stream faults: consumer SIGKILL, broker restart', {
  skip: natsSkip,
  timeout: 240_000,
}, () => {
  let nats: TestNats;
  let db: TestDb;
  let srv: TestServer;
  let consumer: ChildProcess | undefined;
  const tag = randomBytes(4).toString('hex');

  const startConsumer = async () => {
    const child = spawn(process.execPath, [FIXTURE, db.db.db, nats.url, `F${tag}`, `f${tag}`], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    consumer = child;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d) => {
        out += String(d);
        if (out.includes('ready')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`consumer exited (${code}) before ready`)));
    });
  };
  const killConsumer = async () => {
    const c = consumer;
    consumer = undefined;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGKILL');
    });
  };

  before(async () => {
    nats = await TestNats.start();
    db = await sqlite.open();
    srv = await testServer(db, {
      logger: false,
      stream: {
        nats: {
          servers: nats.url,
          streamPrefix: `F${tag}`,
          subjectPrefix: `f${tag}`,
          partitions: 4,
          ackWaitSeconds: 2,
          publishTimeoutMs: 500,
          consume: false,
        },
      },
    });
    await srv.app.ready();
  });
  after(async () => {
    await killConsumer();
    await srv?.close();
    await db?.cleanup();
    await nats?.stop();
  });

  it('0 reports lost, 0 counted twice, exact seqs and gaps', async () => {
    const devices: Reporter[] = [];
    for (let i = 0; i < DEVICES; i++) {
      const r = await Reporter.create();
      assert.equal((await r.enroll(srv.app)).status, 201);
      devices.push(r);
    }
    await startConsumer();

    const accepted = new Map<string, number[]>(devices.map((d) => [d.deviceId, []]));
    let total = 0;
    let refused = 0;
    const stream = async (r: Reporter) => {
      for (let seq = 1; seq <= SEQS_PER_DEVICE; seq++) {
        if (skipped(seq)) continue;
        const jws =
          seq % 3 === 0
            ? await r.heartbeat(seq)
            : await r.report(withThreat(seq) ? [threat('LD_PRELOAD')] : [], seq);
        for (let attempt = 1; ; attempt++) {
          const res = await r.post(srv.app, jws, seq % 3 === 0 ? 'heartbeat' : 'threats');
          // 409 on a retry: an earlier attempt reached the stream after all (its ack was lost)
          if (res.status === 200 || (res.status === 409 && attempt > 1)) break;
          assert.equal(res.status, 503, `seq ${seq}: ${JSON.stringify(res.body)}`);
          assert.equal(res.body.error.code, 'ERR_STREAM_UNAVAILABLE');
          refused++;
          await sleep(100);
        }
        accepted.get(r.deviceId)!.push(seq);
        total++;
      }
    };
    const expected = DEVICES * [...Array(SEQS_PER_DEVICE).keys()].filter((i) => !skipped(i + 1)).length;

    const faults = (async () => {
      await waitFor('120 accepted', () => total >= 120, 60_000);
      await killConsumer();
      const storedAtKill = await db.store.countRows('threat_reports');
      await waitFor('220 accepted', () => total >= 220, 60_000);
      await nats.kill();
      await sleep(1000);
      await nats.restart();
      await waitFor('320 accepted', () => total >= 320, 60_000);
      await startConsumer();
      return storedAtKill;
    })();
    await Promise.all(devices.map(stream));
    const storedAtKill = await faults;
    assert.equal(total, expected);
    assert.ok(storedAtKill < expected, 'the consumer was killed mid-stream');
    assert.ok(refused > 0, 'the broker restart was seen by the devices (503s, retried)');

    await waitFor(
      'the consumer to catch up',
      async () => {
        for (const d of devices)
          if ((await db.store.getDeviceRisk(d.deviceId))?.lastReportSeq !== SEQS_PER_DEVICE) return false;
        return true;
      },
      90_000,
    );
    // let a late redelivery (if any) land before counting
    await sleep(3000);

    const raw = new Database(db.db.db.slice('sqlite:'.length), { readonly: true });
    try {
      const rows = raw.prepare('SELECT device_id AS d, seq AS s FROM threat_reports').all() as {
        d: string;
        s: number;
      }[];
      const stored = new Set(rows.map((x) => `${x.d}:${x.s}`));
      const want = new Set([...accepted].flatMap(([d, seqs]) => seqs.map((s) => `${d}:${s}`)));
      assert.equal(rows.length, stored.size, 'no (device, seq) twice');
      assert.deepEqual(
        [...want].filter((k) => !stored.has(k)),
        [],
        '0 reports lost',
      );
      assert.deepEqual(
        [...stored].filter((k) => !want.has(k)),
        [],
        'nothing stored that was not sent',
      );
      const threats = (raw.prepare('SELECT COUNT(*) AS n FROM threats').get() as { n: number }).n;
      const sentThreats = [...accepted.values()].flat().filter((s) => s % 3 !== 0 && withThreat(s)).length;
      assert.equal(threats, sentThreats, 'each threat stored once');
    } finally {
      raw.close();
    }
    for (const d of devices) {
      const row = (await db.store.getDeviceRisk(d.deviceId))!;
      const seqs = accepted.get(d.deviceId)!;
      assert.equal(row.lastReportSeq, SEQS_PER_DEVICE);
      assert.equal(row.reports, seqs.length, 'each report counted once');
      assert.equal(row.seqGaps, SEQS_PER_DEVICE - seqs.length, 'the gaps are the seqs never sent');
    }
  });
});
