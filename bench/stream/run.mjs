// bench/stream: threat intelligence as a stream (docs/scaling.md "Threat intelligence as a
// stream"), on a NATS server with JetStream the benchmark starts (nats-server on the PATH or in
// /usr/sbin, a free port, a temp store directory):
//   raw_publish   JetStream publish-with-ack from this process: messages of a threat report's
//                 size, each with its own Nats-Msg-Id, on a stream with the report stream's
//                 configuration (stream/nats-link.ts reportStreamConfig), as many in flight as
//                 the ingest has devices: the baseline, the broker's own rate
//   ingest        verified threat reports over real HTTP to `openvse server --nats` (a child
//                 process, SQLite file, consumer on): every request a V-OS-signed JWS (ES256,
//                 signed beforehand) verified, checked against the stored seq, published with its
//                 ack awaited and answered; one device = one report in flight (seq order), many
//                 devices at once; the clock stops when the consumer has stored them all
//                 (threat_reports rows read from the database)
// The ratio ingest / raw_publish is the goal of docs/scaling.md (≥ 0.5); the ingest's p50/p99
// are the devices' answer times. Writes stream.json (bench/results/local/ by default).
// Run after building (npx tsc -b): npm run bench -- stream. Environment: BENCH_STREAM_DEVICES
// (32), BENCH_STREAM_REPORTS (60 per device).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import Database from 'better-sqlite3';
import pg from 'pg';
import { machine, writeResult } from '../lib/measure.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const serverDist = join(root, 'packages/server/dist');
const { resolveStreamConfig } = await import(join(serverDist, 'src/stream/config.js'));
const { reportStreamConfig } = await import(join(serverDist, 'src/stream/nats-link.js'));
const { streamNames } = await import(join(serverDist, 'src/stream/subjects.js'));
const { TestNats, natsSkip } = await import(join(serverDist, 'test/stream/nats-server.js'));
const { Reporter } = await import(join(serverDist, 'test/threats/reporter.js'));
const { TA_CODE_SHA256 } = await import(join(serverDist, 'test/helpers/test-ta.js'));

const DEVICES = Number(process.env.BENCH_STREAM_DEVICES ?? 32);
/** `sqlite` (a file, WAL, synchronous = FULL) or `postgres` (127.0.0.1:5432, a random schema). */
const DB = process.env.BENCH_STREAM_DB ?? 'sqlite';
const PG_URL = process.env.OPENVSE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const PG_SCHEMA = `openvse_bench_${randomBytes(4).toString('hex')}`;
const REPORTS = Number(process.env.BENCH_STREAM_REPORTS ?? 60);
const KEK = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';
const log = (...a) => console.log('[bench stream]', ...a);
// Where the result goes (scripts/run-bench.mjs, docs/benchmarks.md): bench/results/local/, which git
// ignores, unless OPENVSE_BENCH_RESULTS names another folder (`npm run bench -- --update` names the
// committed bench/results/).
const RESULTS = process.env.OPENVSE_BENCH_RESULTS || join(root, 'bench/results/local');
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

if (natsSkip) {
  console.error(`[bench stream] ${natsSkip}`);
  process.exit(1);
}
const nats = await TestNats.start();
const dir = mkdtempSync(join(tmpdir(), 'openvse-bench-stream-'));
let server;
try {
  // --- the devices and their reports, signed beforehand --------------------------------------
  log(`starting the server (${DB}) and enrolling ${DEVICES} devices`);
  server = await startServer(
    DB === 'postgres'
      ? ['--db', PG_URL, '--pg-schema', PG_SCHEMA]
      : ['--db', `sqlite:${join(dir, 'server.db')}`],
    nats.url,
  );
  const devices = [];
  for (let i = 0; i < DEVICES; i++) {
    const r = await Reporter.create();
    await enrollOverHttp(server.url, r);
    devices.push(r);
  }
  const signed = [];
  for (const r of devices) {
    const list = [];
    for (let s = 1; s <= REPORTS; s++) list.push(s % 4 === 0 ? await r.heartbeat(s) : await r.report([], s));
    signed.push(list);
  }
  const total = DEVICES * REPORTS;
  const sample = JSON.stringify({
    typ: 'threat-report',
    deviceId: devices[0].deviceId,
    seq: 1,
    iat: 1,
    stateCounter: '1',
    scan: { scanId: 'vg-test-xxxxxxxx', reason: 'periodic', clean: true, threats: [] },
    receivedAt: Date.now(),
  });
  log(`${DEVICES} devices × ${REPORTS} reports, message ${sample.length} bytes`);

  // --- baseline: raw JetStream publish with ack, same size, same stream config ----------------
  const rawRate = await rawPublish(nats.url, sample.length, total, DEVICES);
  log(`raw_publish ${rawRate} msg/s`);

  // --- ingest + process: HTTP → verify → publish (ack) → consumer → SQLite --------------------
  const raw = await countReports();
  const before = await raw.count();
  const latencies = [];
  let refused = 0;
  const t0 = performance.now();
  await Promise.all(
    devices.map(async (r, i) => {
      for (const jws of signed[i]) {
        const route =
          JSON.parse(Buffer.from(jws.split('.')[1], 'base64url')).typ === 'heartbeat'
            ? 'heartbeat'
            : 'threats';
        const s = performance.now();
        const res = await fetch(`${server.url}/v1/devices/${r.deviceId}/${route}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ report: jws }),
        });
        await res.arrayBuffer();
        latencies.push(performance.now() - s);
        if (res.status !== 200) refused++;
      }
    }),
  );
  const answered = performance.now() - t0;
  for (;;) {
    if ((await raw.count()) - before >= total - refused) break;
    await new Promise((res) => setTimeout(res, 5));
  }
  const processed = performance.now() - t0;
  await raw.close();
  latencies.sort((a, b) => a - b);
  const ingestRate = Math.round(((total - refused) / processed) * 1000);
  const ratio = Math.round((ingestRate / rawRate) * 1000) / 1000;
  const p50 = Math.round(pct(latencies, 50) * 100) / 100;
  const p99 = Math.round(pct(latencies, 99) * 100) / 100;
  log(
    `ingest ${ingestRate} reports/s ingested and stored (answered in ${Math.round(answered)} ms, stored in ${Math.round(processed)} ms), refused ${refused}`,
  );
  log(`ratio ingest / raw_publish = ${ratio} (goal ≥ 0.5); ingest p50 ${p50} ms, p99 ${p99} ms`);
  const resultFile = join(RESULTS, `stream${DB === 'postgres' ? '-postgres' : ''}.json`);
  log(`writing ${resultFile}`);
  writeResult(resultFile, {
    suite: 'stream',
    machine: machine(),
    database: DB === 'postgres' ? 'PostgreSQL 127.0.0.1:5432' : 'SQLite file (WAL, synchronous = FULL)',
    natsServer: 'nats-server (Debian package) started by the benchmark, JetStream file storage',
    devices: DEVICES,
    reportsPerDevice: REPORTS,
    messageBytes: sample.length,
    raw_publish: { opsPerSecond: rawRate, inFlight: DEVICES },
    ingest: {
      reportsPerSecond: ingestRate,
      answeredMs: Math.round(answered),
      storedMs: Math.round(processed),
      refused,
      p50Ms: p50,
      p99Ms: p99,
    },
    ratio,
    goal: 0.5,
  });
} finally {
  await server?.stop();
  await nats.stop();
  rmSync(dir, { recursive: true, force: true });
  if (DB === 'postgres') {
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${PG_SCHEMA} CASCADE`);
    await c.end();
  }
}

/** Reads the stored report count from the server's database. */
async function countReports() {
  if (DB === 'postgres') {
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    return {
      count: async () =>
        Number((await c.query(`SELECT COUNT(*) AS n FROM ${PG_SCHEMA}.threat_reports`)).rows[0].n),
      close: () => c.end(),
    };
  }
  const db = new Database(join(dir, 'server.db'), { readonly: true });
  return {
    count: async () => db.prepare('SELECT COUNT(*) AS n FROM threat_reports').get().n,
    close: async () => db.close(),
  };
}

/** `openvse server --open --nats <url>` in a child process; resolves with its URL. */
function startServer(dbArgs, natsUrl) {
  const child = spawn(
    process.execPath,
    [
      ...(process.env.BENCH_STREAM_PROFILE
        ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_STREAM_PROFILE]
        : []),
      join(root, 'packages/cli/dist/src/main.js'),
      'server',
      '--open',
      '--port',
      '0',
      ...dbArgs,
      '--test-issuer',
      '--allow-ta',
      TA_CODE_SHA256,
      '--nats',
      natsUrl,
      '--log-level',
      'warn',
    ],
    { env: { PATH: process.env.PATH, OPENVSE_KEK: KEK }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += String(d);
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(buf);
      if (m)
        resolve({
          url: m[1],
          stop: () =>
            new Promise((res) => {
              child.once('exit', res);
              child.kill('SIGTERM');
            }),
        });
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
}

async function enrollOverHttp(base, r) {
  const post = async (path, body) => {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };
  const ch = await post('/v1/devices/challenge', {});
  r.ta.serverJwk = ch.body.serverSigningJwk;
  const e = await post('/v1/devices', {
    attestation: await r.ta.attest(ch.body.nonce),
    platformJwk: r.ta.platformJwk,
  });
  if (e.status !== 201) throw new Error(`enroll: ${e.status} ${JSON.stringify(e.body)}`);
}

/** Publishes `n` messages of `size` bytes with acks, `inFlight` at a time; returns msg/s. */
async function rawPublish(url, size, n, inFlight) {
  const cfg = resolveStreamConfig({
    nats: { servers: url, streamPrefix: `RAW${randomBytes(3).toString('hex')}`, subjectPrefix: 'rawbench' },
  });
  const names = streamNames(cfg);
  const nc = await connect({ servers: url });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add(reportStreamConfig(cfg, names));
  const js = jetstream(nc);
  const body = 'x'.repeat(size);
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async (_, w) => {
      for (;;) {
        const i = next++;
        if (i >= n) return;
        await js.publish(names.reportSubject(`raw-device-${w}`), body, { msgID: `raw-${i}` });
      }
    }),
  );
  const rate = Math.round((n / (performance.now() - t0)) * 1000);
  await jsm.streams.delete(names.reportStream);
  await nc.close();
  return rate;
}
