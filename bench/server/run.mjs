// bench/server: the CBP server over real HTTP on 127.0.0.1, driven by autocannon from this
// process while the server runs in a child process (`openvse server`, compiled), so that the
// load generator and the server each have one of the machine's cores.
//   bare            GET /bare on a bare fastify instance (bench/server/bare.mjs, own process):
//                   the baseline, HTTP + fastify and nothing else
//   healthz         GET /healthz on the CBP server (routing, schemas, one database read)
//   authorize       POST /v1/authorizations, every request a genuine new tap: a real ARQC with a
//                   fresh ATC, made beforehand by the card's CBP TA (@openvse/test-bench's load
//                   kit: real TAs on the software platform, enrolled and provisioned over HTTP),
//                   profiles V and M alternating over many cards; each one verified, decided,
//                   written (authorization row + ATC ledger row + LUK/SUK consumption in one
//                   transaction) and answered
//   authorize_auth  the same as authorize, for the second half of every card's taps, with callers
//                   authenticating (the server restarted on the same database without --open; the
//                   acquirer's RFC 9068 access token from the data directory on every request):
//                   the ratio authorize_auth / authorize is authentication's cost (goal: ≥ 0.9)
//   idempotent      POST /v1/authorizations repeating one already-answered request (same
//                   idempotency key): the stored answer, a single indexed read
//   replenish       POST /v1/devices/:id/replenish, profile V: the TA's signed (ES256) statement
//                   with the proof MAC over the card's log under the outgoing LUK, checked against
//                   the ledger, answered with a new LUK in a JWE (ECDH-ES + ES256); in rounds,
//                   since each card's next statement needs the LUK of the previous answer (the TA
//                   applies the answers between rounds, not measured)
// On SQLite (a file; WAL, synchronous = FULL) and on PostgreSQL (127.0.0.1:5432, a random
// schema, dropped afterwards; skipped loudly when unreachable); each once with the fraud engine
// in the path (every rule evaluated, thresholds out of reach so that the synthetic fleet is not
// declined) and once without it (--no-fraud). The server logs at `warn` (no per-request log
// lines). Writes server.json (bench/results/local/ by default; docs/benchmarks.md).
// The server is `openvse server` (the @openvse/cli package's bin, found by package resolution).
// Run after building (npx tsc -b packages/test-bench packages/cli): npm run bench -- server.
// Environment: BENCH_SERVER_WALLETS (200), BENCH_SERVER_TAPS (30), BENCH_SERVER_CONNECTIONS (16),
// BENCH_SERVER_SECONDS (5, the duration of the fixed-request runs), BENCH_SERVER_PG=0 to skip
// PostgreSQL, BENCH_SERVER_ONLY (comma-separated series keys: sqlite, postgres, sqlite_no_fraud,
// postgres_no_fraud), BENCH_SERVER_PGBENCH_SECONDS (10), BENCH_SERVER_PG_POOL (10),
// BENCH_SERVER_PROFILE (a folder for the servers' CPU profiles), OPENVSE_TEST_PG_URL.
// PostgreSQL's own baseline: pgbench's TPC-B with as many clients as connections, before and
// after the series (the ratio authorize / TPC-B is the goal of docs/scaling.md). CPU per request
// of the server process and of PostgreSQL's processes is read from /proc around each series.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Http,
  LOOSE_FRAUD,
  loadAttestationPolicy,
  makeFleet,
  makeTap,
  openRawDb,
  pool,
  replenishRequest,
  TEST_KEK,
} from '@openvse/test-bench';
import autocannon from 'autocannon';
import pg from 'pg';
import { machine, writeResult } from '../lib/measure.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** `openvse`: the @openvse/cli package's bin, resolved like any dependency. */
const OPENVSE_BIN = (() => {
  const pkgJson = createRequire(import.meta.url).resolve('@openvse/cli/package.json');
  return join(dirname(pkgJson), JSON.parse(readFileSync(pkgJson, 'utf8')).bin.openvse);
})();
const WALLETS = Number(process.env.BENCH_SERVER_WALLETS ?? 200);
const TAPS = Number(process.env.BENCH_SERVER_TAPS ?? 30);
const CONNECTIONS = Number(process.env.BENCH_SERVER_CONNECTIONS ?? 16);
const SECONDS = Number(process.env.BENCH_SERVER_SECONDS ?? 5);
const DEVICES = 10;
const PG_POOL = Number(process.env.BENCH_SERVER_PG_POOL ?? 10);
const PGBENCH_SECONDS = Number(process.env.BENCH_SERVER_PGBENCH_SECONDS ?? 10);
const REPLENISH_ROUNDS = 6;
const PG_URL = process.env.OPENVSE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const log = (...a) => console.log('[bench server]', ...a);
// Where the result goes (scripts/run-bench.mjs, docs/benchmarks.md): bench/results/local/, which git
// ignores, unless OPENVSE_BENCH_RESULTS names another folder (`npm run bench -- --update` names the
// committed bench/results/).
const RESULTS = process.env.OPENVSE_BENCH_RESULTS || join(root, 'bench/results/local');

/**
 * CPU time (user + system, ms) of the processes whose pid `keep` accepts and of their children
 * that have exited, from /proc (Linux; 0 elsewhere): how much of a core the server and
 * PostgreSQL spent per request.
 */
function cpuMs(keep) {
  let ticks = 0;
  let pids = [];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return 0;
  }
  for (const d of pids) {
    const pid = Number(d);
    if (!keep(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime, stime (fields 14, 15) and cutime, cstime (16, 17: children waited for — the
      // postmaster's, where the time of PostgreSQL backends that have exited goes).
      ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    } catch {
      // gone meanwhile
    }
  }
  return (ticks * 1000) / CLOCK_TICKS;
}
const CLOCK_TICKS = 100; // sysconf(_SC_CLK_TCK) on Linux
/** PostgreSQL's server processes (postmaster and backends), by their command name. */
function isPostgres(pid) {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres';
  } catch {
    return false;
  }
}

/** Spawns a server process and waits for its `listening on http://127.0.0.1:N` line. */
function spawnListening(args, env = {}) {
  // BENCH_SERVER_PROFILE=<dir>: each server process writes a V8 CPU profile there on exit
  // (summarise with bench/lib/profile-summary.mjs).
  const profile = process.env.BENCH_SERVER_PROFILE;
  const child = spawn(
    process.execPath,
    [...(profile ? ['--cpu-prof', '--cpu-prof-dir', profile] : []), ...args],
    {
      cwd: root,
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let err = '';
  child.stderr.on('data', (d) => {
    err += String(d);
  });
  return new Promise((resolve, reject) => {
    let buf = '';
    let found = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no listening line within 30 s: ${err}`));
    }, 30_000);
    child.stdout.on('data', (d) => {
      if (found) return;
      buf += String(d);
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(buf);
      if (m) {
        found = true;
        clearTimeout(timer);
        resolve({
          child,
          url: m[1],
          async stop() {
            child.kill('SIGTERM');
            const r = await exited;
            if (r.code !== 0) throw new Error(`server exit ${r.code ?? r.signal}: ${err}`);
          },
        });
      }
    });
    exited.then((r) => {
      if (!found) {
        clearTimeout(timer);
        reject(new Error(`server exited (${r.code ?? r.signal}): ${err}`));
      }
    });
  });
}

function summary(r, wallMs, count) {
  return {
    requests: count,
    per_second: Math.round((count * 1000) / wallMs),
    latency_ms_p50: r.latency.p50,
    latency_ms_p99: r.latency.p99,
    non_2xx: r.non2xx,
    errors: r.errors + r.timeouts,
  };
}

/** autocannon over a fixed list of bodies, each sent exactly once. */
async function runBodies(url, path, bodies, { expect, headers = {} } = {}) {
  let i = 0;
  const answers = [];
  // Timed from the first request sent to the last answer received (autocannon's own duration
  // is rounded to its 1 s sampling tick).
  let t0 = 0;
  let t1 = 0;
  const r = await autocannon({
    url,
    connections: Math.min(CONNECTIONS, bodies.length),
    amount: bodies.length,
    timeout: 30,
    requests: [
      {
        method: 'POST',
        path,
        headers: { 'content-type': 'application/json', ...headers },
        setupRequest: (req) => {
          if (i === 0) t0 = performance.now();
          req.body = bodies[i++];
          return req;
        },
        onResponse: (status, body) => {
          t1 = performance.now();
          if (expect) answers.push({ status, body });
        },
      },
    ],
  });
  const ms = t1 - t0;
  if (i !== bodies.length) throw new Error(`${path}: sent ${i} of ${bodies.length}`);
  if (r.non2xx || r.errors || r.timeouts)
    throw new Error(`${path}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`);
  return { result: summary(r, ms, bodies.length), answers };
}

/** autocannon for SECONDS against one fixed request. */
async function runFixed(origin, { path, ...opts }) {
  const r = await autocannon({
    url: `${origin}${path}`,
    connections: CONNECTIONS,
    duration: SECONDS,
    timeout: 30,
    ...opts,
  });
  if (r.non2xx || r.errors || r.timeouts)
    throw new Error(`${path}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`);
  return summary(r, r.duration * 1000, r.requests.total);
}

async function bare() {
  const s = await spawnListening([join(root, 'bench/server/bare.mjs')]);
  try {
    await runFixed(s.url, { path: '/bare', duration: 1 }); // warm-up
    return await runFixed(s.url, { path: '/bare' });
  } finally {
    await s.stop();
  }
}

async function pgReachable() {
  const u = new URL(PG_URL);
  return new Promise((resolve) => {
    const sock = connect({ host: u.hostname, port: Number(u.port || 5432) });
    const done = (ok) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(1000, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/** The replenish statement of a profile V wallet (its TA's, over the TA's log of the current LUK). */
async function replenishBody(w) {
  const r = await replenishRequest(w);
  return { path: r.path, body: JSON.stringify(r.body) };
}

async function adapter(name, fraud) {
  const dir = mkdtempSync(join(tmpdir(), 'openvse-bench-server-'));
  const fraudFile = join(dir, 'fraud.json');
  writeFileSync(fraudFile, JSON.stringify(LOOSE_FRAUD));
  const schema = `openvse_b_${randomBytes(6).toString('hex')}`;
  const db = name === 'sqlite' ? { db: `sqlite:${join(dir, 'bench.db')}` } : { db: PG_URL, pgSchema: schema };
  const policy = loadAttestationPolicy();
  // Open development mode for the fleet and most series (the load kit's devices sign no request
  // proofs); `authorize_auth` runs on the same database with callers authenticating.
  const args = (auth) => [
    OPENVSE_BIN,
    'server',
    '--port',
    '0',
    '--data-dir',
    dir,
    ...(auth ? [] : ['--open']),
    '--db',
    db.db,
    ...(db.pgSchema ? ['--pg-schema', db.pgSchema, '--pg-pool', String(PG_POOL)] : []),
    '--test-issuer',
    '--allow-ta',
    policy.allowedCodeHashes.join(','),
    '--min-level',
    policy.minimumLevel,
    '--suk-batch',
    String(TAPS),
    '--luk-max-transactions',
    '1000',
    '--luk-max-amount',
    '999999999999',
    ...(fraud ? ['--fraud-config', fraudFile] : ['--no-fraud']),
    '--log-level',
    'warn',
  ];
  let s = await spawnListening(args(false), { OPENVSE_KEK: TEST_KEK });
  const out = {
    fraud_engine: fraud ? 'on (every rule evaluated, thresholds out of reach)' : 'off (--no-fraud)',
  };
  try {
    const http = new Http(s.url, 16);
    const t0 = performance.now();
    const wallets = await makeFleet(http, WALLETS, DEVICES);
    log(
      `${name}${fraud ? '' : ' no-fraud'}: ${WALLETS} cards provisioned in ${Math.round(performance.now() - t0)} ms`,
    );
    const run = randomBytes(3).toString('hex');
    // Every card's TA makes its taps first (not measured); they are sent tap n of every card,
    // then tap n + 1: each card's ATCs arrive in increasing order.
    const byWallet = await pool(wallets, 16, async (w) => {
      const ts = [];
      for (let n = 0; n < TAPS; n++) ts.push(await makeTap(w, n, `bench-${run}`, 100 + n));
      return ts;
    });
    const taps = [];
    for (let n = 0; n < TAPS; n++) for (const ts of byWallet) taps.push(ts[n]);
    const bodies = taps.map((t) => JSON.stringify(t.body));
    // Taps 0 .. TAPS/2 - 1 of every card without authentication, the rest with it (acquirer
    // access token, same server build and database, the server restarted in between).
    const half = Math.floor(TAPS / 2) * byWallet.length;
    const authorizeSeries = async (list, headers) => {
      const warm = Math.floor(list.length / 20);
      await runBodies(s.url, '/v1/authorizations', list.slice(0, warm), { headers });
      const cpu0 = { server: cpuMs((pid) => pid === s.child.pid), db: cpuMs(isPostgres) };
      const authz = await runBodies(s.url, '/v1/authorizations', list.slice(warm), { expect: true, headers });
      const n = list.length - warm;
      const cpu = {
        server_cpu_ms_per_request: +((cpuMs((pid) => pid === s.child.pid) - cpu0.server) / n).toFixed(3),
        ...(name === 'postgres'
          ? { postgres_cpu_ms_per_request: +((cpuMs(isPostgres) - cpu0.db) / n).toFixed(3) }
          : {}),
      };
      const approved = authz.answers.filter((a) => JSON.parse(a.body).decision === 'APPROVE').length;
      if (approved !== n) throw new Error(`authorize: only ${approved} approvals`);
      return { ...authz.result, approved, genuine_new_atc: true, ...cpu };
    };
    out.authorize = await authorizeSeries(bodies.slice(0, half), {});
    log(`${name}${fraud ? '' : ' no-fraud'}: authorize`, out.authorize);
    await s.stop();
    s = await spawnListening(args(true), { OPENVSE_KEK: TEST_KEK });
    const token = readFileSync(join(dir, 'credentials', 'tokens', 'acquirer.jwt'), 'utf8').trim();
    const anonymous = await fetch(`${s.url}/v1/authorizations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: bodies[half],
    });
    if (anonymous.status !== 401) throw new Error(`auth: an anonymous authorization got ${anonymous.status}`);
    out.authorize_auth = {
      ...(await authorizeSeries(bodies.slice(half), { authorization: `Bearer ${token}` })),
      caller: 'acquirer, RFC 9068 access token (ES256) verified per request',
    };
    log(`${name}${fraud ? '' : ' no-fraud'}: authorize with authentication`, out.authorize_auth);
    await s.stop();
    s = await spawnListening(args(false), { OPENVSE_KEK: TEST_KEK });

    out.idempotent_repeat = await runFixed(s.url, {
      method: 'POST',
      path: '/v1/authorizations',
      headers: { 'content-type': 'application/json' },
      body: bodies[0],
    });
    log(`${name}${fraud ? '' : ' no-fraud'}: idempotent repeat`, out.idempotent_repeat);
    out.healthz = await runFixed(s.url, { path: '/healthz' });
    log(`${name}${fraud ? '' : ' no-fraud'}: healthz`, out.healthz);

    // Replenishment rounds over the profile V cards; round 1 carries the full tap log.
    const vWallets = wallets.filter((w) => w.profile === 'V');
    const byCard = new Map(vWallets.map((w) => [w.cardId, w]));
    const rep = { requests: 0, ms: 0, p50: [], p99: [] };
    for (let round = 0; round < REPLENISH_ROUNDS; round++) {
      // Round 0's statements carry the TA's log of every tap; the later ones an empty log. The
      // statements of one device in a round share its state counter (the TA commits nothing
      // between them), so their order of arrival does not matter.
      const reqs = await Promise.all(vWallets.map((w) => replenishBody(w)));
      // One autocannon run per round; the paths differ per device, so one request list per run.
      let i = 0;
      const answers = [];
      let t0 = 0;
      let t1 = 0;
      const r = await autocannon({
        url: s.url,
        connections: Math.min(CONNECTIONS, reqs.length),
        amount: reqs.length,
        timeout: 30,
        requests: [
          {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            setupRequest: (req) => {
              if (i === 0) t0 = performance.now();
              const x = reqs[i++];
              req.path = x.path;
              req.body = x.body;
              return req;
            },
            onResponse: (status, body) => {
              t1 = performance.now();
              answers.push({ status, body });
            },
          },
        ],
      });
      rep.ms += t1 - t0;
      rep.requests += reqs.length;
      rep.p50.push(r.latency.p50);
      rep.p99.push(r.latency.p99);
      const bad = answers.filter((a) => a.status !== 200);
      if (bad.length) throw new Error(`replenish round ${round}: ${bad.length} refused: ${bad[0].body}`);
      // The TA side (not measured): each device applies its new messages in seq order.
      const byTa = new Map();
      for (const a of answers) {
        const b = JSON.parse(a.body);
        const ta = byCard.get(b.cardId).ta;
        byTa.set(ta, [...(byTa.get(ta) ?? []), ...b.messages]);
      }
      for (const [ta, messages] of byTa) await ta.apply(messages);
    }
    out.replenish = {
      requests: rep.requests,
      per_second: Math.round((rep.requests * 1000) / rep.ms),
      latency_ms_p50: Math.max(...rep.p50),
      latency_ms_p99: Math.max(...rep.p99),
      rounds: REPLENISH_ROUNDS,
      first_round_log_entries: TAPS,
    };
    log(`${name}${fraud ? '' : ' no-fraud'}: replenish`, out.replenish);
    http.close();

    // What the server stored, read directly.
    await s.stop();
    s = undefined;
    const raw = await openRawDb(db);
    try {
      const [a] = await raw.query("SELECT COUNT(*) AS n FROM authorizations WHERE decision = 'APPROVE'");
      const [l] = await raw.query('SELECT COUNT(*) AS n FROM atc_ledger');
      if (Number(a.n) !== bodies.length || Number(l.n) !== bodies.length)
        throw new Error(`stored ${a.n} approvals / ${l.n} ledger rows for ${bodies.length} taps`);
    } finally {
      await raw.close();
    }
    return out;
  } finally {
    if (s) await s.stop().catch(() => {});
    if (name === 'postgres') {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

const ratio = (a, b) => (a && b ? +(a / b).toFixed(4) : null);

/**
 * The PostgreSQL baseline, measured by this run on the same server: pgbench's TPC-B-like script
 * (five statements per transaction, synchronous_commit as the server has it, i.e. on), with as
 * many clients as the authorization series has connections, on a scratch database of scale
 * factor CONNECTIONS (one branch row per client, so that the baseline is not throttled by
 * contention on one row), once with the simple query protocol (pgbench's default) and once
 * with prepared statements. Returns undefined (loudly) when pgbench is not installed.
 */
function pgbench() {
  const which = spawnSync('pgbench', ['--version'], { encoding: 'utf8' });
  if (which.status !== 0) {
    console.warn('!!! pgbench not found: the PostgreSQL baseline is NOT measured !!!');
    return undefined;
  }
  const u = new URL(PG_URL);
  const conn = ['-h', u.hostname, '-p', u.port || '5432', '-U', u.username || 'postgres'];
  const dbName = `openvse_pgbench_${randomBytes(3).toString('hex')}`;
  const run = (cmd, args) => {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  run('createdb', [...conn, dbName]);
  try {
    run('pgbench', [...conn, '-i', '-q', '-s', String(CONNECTIONS), dbName]);
    const sync = run('psql', [...conn, '-Atc', 'SHOW synchronous_commit', dbName]).trim();
    const measure = (mode) => {
      const db0 = cpuMs(isPostgres);
      const out = run('pgbench', [
        ...conn,
        '-M',
        mode,
        '-c',
        String(CONNECTIONS),
        '-j',
        '2',
        '-T',
        String(PGBENCH_SECONDS),
        '-r',
        dbName,
      ]);
      const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(out)?.[1]);
      const latency = Number(/latency average = ([\d.]+) ms/.exec(out)?.[1]);
      if (!Number.isFinite(tps)) throw new Error(`pgbench: no tps in ${out}`);
      const txs = Number(/number of transactions actually processed: (\d+)/.exec(out)?.[1]);
      return {
        tps: Math.round(tps),
        latency_ms_average: latency,
        postgres_cpu_ms_per_transaction: +((cpuMs(isPostgres) - db0) / txs).toFixed(3),
      };
    };
    run('pgbench', [...conn, '-c', String(CONNECTIONS), '-j', '2', '-T', '2', dbName]); // warm-up
    const simple = measure('simple');
    const prepared = measure('prepared');
    const r = {
      script: 'tpcb-like (built in): 3 UPDATEs, 1 SELECT, 1 INSERT in one transaction',
      clients: CONNECTIONS,
      scale: CONNECTIONS,
      seconds: PGBENCH_SECONDS,
      synchronous_commit: sync,
      simple,
      prepared,
    };
    log('pgbench', r);
    return r;
  } finally {
    spawnSync('dropdb', [...conn, dbName]);
  }
}

// The baseline is measured before every adapter run and at the end; each run's ratios use the
// mean of the baseline runs just before and just after it (the machine may be shared).
const results = {};
const bares = [];
const measureBare = async () => {
  const b = await bare();
  bares.push(b.per_second);
  log('bare', b);
  return b;
};
const runs = [];
const withPg = process.env.BENCH_SERVER_PG !== '0' && (await pgReachable());
if (!withPg)
  console.warn(
    `!!! PostgreSQL at ${PG_URL} not reachable (or BENCH_SERVER_PG=0): PostgreSQL NOT measured !!!`,
  );
const plan = [
  ['sqlite', 'sqlite', true],
  ...(withPg ? [['postgres', 'postgres', true]] : []),
  ['sqlite_no_fraud', 'sqlite', false],
  ...(withPg ? [['postgres_no_fraud', 'postgres', false]] : []),
];
const only = process.env.BENCH_SERVER_ONLY?.split(',');
log('measuring the bare baseline');
await measureBare();
const pgbenchBefore = withPg ? pgbench() : undefined;
for (const [i, [key, db, fraud]] of plan.entries()) {
  if (only && !only.includes(key)) continue;
  log(`${i + 1}/${plan.length} ${key}: setting up and measuring (then the bare baseline again)`);
  results[key] = await adapter(db, fraud);
  await measureBare();
  runs.push([key, Math.round((bares.at(-2) + bares.at(-1)) / 2)]);
}
const pgbenchAfter = withPg ? pgbench() : undefined;
if (pgbenchBefore && pgbenchAfter)
  results.pgbench = {
    ...pgbenchBefore,
    simple: { before: pgbenchBefore.simple, after: pgbenchAfter.simple },
    prepared: { before: pgbenchBefore.prepared, after: pgbenchAfter.prepared },
  };
results.bare = bares.map((b) => ({ per_second: b }));
const ratios = {};
const meanTps = (m) =>
  results.pgbench
    ? Math.round((results.pgbench[m].before.tps + results.pgbench[m].after.tps) / 2)
    : undefined;
for (const [key, bareRps] of runs) {
  results[key].bare_per_second_around = bareRps;
  // The goal of docs/scaling.md: an authorization costs PostgreSQL about one TPC-B transaction.
  if (key.startsWith('postgres') && results.pgbench) {
    ratios[`${key}_authorize_per_pgbench_tpcb`] = ratio(results[key].authorize.per_second, meanTps('simple'));
    ratios[`${key}_authorize_per_pgbench_tpcb_prepared`] = ratio(
      results[key].authorize.per_second,
      meanTps('prepared'),
    );
  }
  for (const k of ['authorize', 'authorize_auth', 'idempotent_repeat', 'healthz', 'replenish'])
    ratios[`${key}_${k}_per_bare`] = ratio(results[key][k].per_second, bareRps);
  // Authentication's cost on an authorization: the goal is at most 10 % (issue 11).
  ratios[`${key}_authorize_auth_per_authorize`] = ratio(
    results[key].authorize_auth.per_second,
    results[key].authorize.per_second,
  );
  ratios[`${key}_authorize_auth_p50_latency_per_authorize`] = ratio(
    results[key].authorize_auth.latency_ms_p50,
    results[key].authorize.latency_ms_p50,
  );
}

const resultFile = join(RESULTS, 'server.json');
writeResult(resultFile, {
  suite: 'server',
  unit: 'requests per second over HTTP/1.1 keep-alive on 127.0.0.1; server in a child process, autocannon in the bench process',
  machine: machine(),
  config: {
    connections: CONNECTIONS,
    wallets: WALLETS,
    taps_per_wallet: TAPS,
    devices: DEVICES,
    fixed_run_seconds: SECONDS,
    server_log_level: 'warn',
    sqlite: 'WAL, synchronous = FULL, one connection',
    postgres_pool: PG_POOL,
    fraud_engine: LOOSE_FRAUD,
  },
  results,
  ratios,
});
log('ratios', ratios);
log(`wrote ${resultFile}`);
