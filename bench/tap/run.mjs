// bench/tap: one full contactless tap, in process, terminal ↔ HCE service ↔ credentials provider:
//   Kernel 3 (profile V): SELECT PPSE, SELECT AID, GPO (the cryptogram: GPO_V in the TA)
//   Kernel 2 (profile M): SELECT PPSE, SELECT AID, GPO, READ RECORD, GENERATE AC (GENAC_M in the TA)
// for VosProvider (the CBP TA in V-OS: a worker + SES compartment, keys as handles, taps on
// sealed reservations with the card state written behind the answer) and SoftwareProvider (the same core, keys in process memory, state
// in a plain file), in the same run, rotating blocks so machine noise hits both alike. Reports
// p50 / p99 per tap and the VosProvider / SoftwareProvider ratio. The cards are provisioned
// through the real server path (test issuer); replenishment is off during the measurement and
// the LUK is sized and the SUKs are topped up between blocks (untimed) so that no tap is a decline. One cryptogram per provider and
// profile is verified by the server's POST /v1/authorizations before timing starts.
// Run after building: node bench/tap/run.mjs (npm run bench -- tap). Writes tap.json in
// bench/results/local/ by default (or the file OPENVSE_BENCH_OUT names).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInProcessTransport, runTransaction } from '@openvse/terminal';
import { TestBench } from '@openvse/test-bench';
import { machine, writeResult } from '../lib/measure.mjs';

// Where the result goes (scripts/run-bench.mjs, docs/benchmarks.md): bench/results/local/, which git
// ignores, unless OPENVSE_BENCH_RESULTS names another folder (`npm run bench -- --update` names the
// committed bench/results/). Progress lines go to stderr.
const RESULTS =
  process.env.OPENVSE_BENCH_RESULTS || fileURLToPath(new URL('../results/local/', import.meta.url));
const progress = (step) => process.stderr.write(`[bench tap] ${step}\n`);

const WARMUP = 15;
const BLOCKS = 8;
const PER_BLOCK = 20; // taps per block per provider and profile
const KINDS = ['vos', 'software'];
const PROFILES = ['V', 'M'];

const pct = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const r3 = (x) => Math.round(x * 1000) / 1000;

const setups = {};
const dirs = [];
// Temporary directories go even when a run fails half-way.
process.on('exit', () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
for (const kind of KINDS) {
  progress(`set-up: ${kind} provider, server and cards ${PROFILES.join(', ')}`);
  const dir = mkdtempSync(join(tmpdir(), `openvse-bench-tap-${kind}-`));
  dirs.push(dir);
  const bench = await TestBench.start({
    dir,
    provider: kind,
    server: { luk: { maxTransactions: 1000, ttlSeconds: 86_400, maxAmount: 100_000_000 }, sukBatch: 50 },
    wallet: { autoReplenish: false },
  });
  const cards = {};
  for (const profile of PROFILES) {
    try {
      cards[profile] = await bench.addCard(profile);
    } catch (e) {
      cards[profile] = { error: e instanceof Error ? e.message : String(e) };
    }
  }
  setups[kind] = { bench, cards };
}

async function tapOnce(bench, amount) {
  const t0 = performance.now();
  const o = await runTransaction(createInProcessTransport(bench.wallet.hce().processApdu), { amount });
  const ms = performance.now() - t0;
  if (o.type !== 'ONLINE_REQUEST')
    throw new Error(
      `tap: ${o.type} ${JSON.stringify(o.reason)} ${JSON.stringify(bench.wallet.history().at(-1))}`,
    );
  return { ms, o };
}

const samples = {};
const errors = {};
for (const kind of KINDS) {
  const { bench, cards } = setups[kind];
  for (const profile of PROFILES) {
    const key = `${kind}/${profile}`;
    if (typeof cards[profile] !== 'string') {
      errors[key] = cards[profile].error;
      continue;
    }
    bench.wallet.setDefaultCard(cards[profile]);
    const { o } = await tapOnce(bench, 1000);
    const auth = await bench.authorize(o, 1000);
    if (auth.decision !== 'APPROVE') throw new Error(`${key}: server ${auth.reason}`);
    for (let i = 0; i < WARMUP; i++) await tapOnce(bench, 1000);
    samples[key] = [];
  }
}

// The cryptogram command alone (provider.gpoV / generateAcM, no terminal, no HCE): the number the
// docs/emv-cryptography.md §7 budget names ("the TA call that makes a cryptogram ≤ 5 ms p99").
const hexBytes = (...parts) => Uint8Array.from(Buffer.from(parts.join(''), 'hex'));
// 9F66 TTQ, 9F02 1.00, 9F03, 9F1A, 95, 5F2A, 9A, 9C, 9F37
const PDOL_V = hexBytes(
  '36004000',
  '000000000100',
  '000000000000',
  '0250',
  '0000000000',
  '0978',
  '261128',
  '00',
  '11223344',
);
// CDOL1: the same 29 bytes without TTQ, then 9F35, 9F45, 9F4C, 9F34
const CDOL1_M = hexBytes(
  '000000000100',
  '000000000000',
  '0250',
  '0000000000',
  '0978',
  '261128',
  '00',
  '11223344',
  '22',
  '0000',
  '0000000000000000',
  '1F0002',
);
async function cryptogramOnce(bench, profile, cardId) {
  const t0 = performance.now();
  const r =
    profile === 'V'
      ? await bench.provider.gpoV(cardId, PDOL_V)
      : await bench.provider.generateAcM(cardId, 0x80, CDOL1_M);
  const ms = performance.now() - t0;
  if (r.reason !== 0) throw new Error(`cryptogram ${profile}: reason ${r.reason}`);
  return ms;
}
for (const key of Object.keys(samples)) samples[`${key}/cryptogram`] = [];

for (let b = 0; b < BLOCKS; b++) {
  progress(
    `block ${b + 1}/${BLOCKS}: ${PER_BLOCK} taps and ${PER_BLOCK} cryptograms per provider and profile`,
  );
  for (const profile of PROFILES) {
    for (const kind of b % 2 === 0 ? KINDS : [...KINDS].reverse()) {
      const key = `${kind}/${profile}`;
      if (!samples[key]) continue;
      const { bench, cards } = setups[kind];
      bench.wallet.setDefaultCard(cards[profile]);
      // Top up between blocks (not timed): a tap never runs out of credentials.
      await bench.wallet.refresh();
      if (bench.wallet.card(cards[profile]).credentialsLeft < PER_BLOCK + 2)
        await bench.wallet.replenish(cards[profile]);
      for (let i = 0; i < PER_BLOCK; i++) samples[key].push((await tapOnce(bench, 100 + i)).ms);
      await bench.wallet.refresh();
      if (bench.wallet.card(cards[profile]).credentialsLeft < PER_BLOCK + 2)
        await bench.wallet.replenish(cards[profile]);
      for (let i = 0; i < PER_BLOCK; i++)
        samples[`${key}/cryptogram`].push(await cryptogramOnce(bench, profile, cards[profile]));
    }
  }
}

const series = {};
for (const [key, xs] of Object.entries(samples))
  series[key] = {
    n: xs.length,
    p50_ms: r3(pct(xs, 0.5)),
    p99_ms: r3(pct(xs, 0.99)),
    mean_ms: r3(xs.reduce((a, x) => a + x, 0) / xs.length),
  };
const ratios = {};
// The goal of docs/benchmarks.md "tap": VosProvider − SoftwareProvider at p50, same run.
const differences = {};
for (const profile of PROFILES) {
  for (const suffix of ['', '/cryptogram']) {
    const v = series[`vos/${profile}${suffix}`];
    const s = series[`software/${profile}${suffix}`];
    if (!v || !s) continue;
    ratios[`${profile}${suffix}`] = { p50: r3(v.p50_ms / s.p50_ms), p99: r3(v.p99_ms / s.p99_ms) };
    differences[`${profile}${suffix}`] = { p50: r3(v.p50_ms - s.p50_ms), p99: r3(v.p99_ms - s.p99_ms) };
  }
}

for (const { bench } of Object.values(setups)) await bench.close();
for (const d of dirs) rmSync(d, { recursive: true, force: true });

const result = {
  suite: 'tap',
  machine: machine(),
  method: {
    warmup: WARMUP,
    blocks: BLOCKS,
    perBlock: PER_BLOCK,
    transport: 'in-process (createInProcessTransport)',
  },
  series,
  ratio_vos_over_software: ratios,
  difference_ms_vos_minus_software: differences,
  ...(Object.keys(errors).length ? { errors } : {}),
};
// OPENVSE_BENCH_OUT: write the result to that file instead.
const file = process.env.OPENVSE_BENCH_OUT || join(RESULTS, 'tap.json');
writeResult(file, result);
progress(`wrote ${file}`);
console.log('| tap | provider | n | p50 ms | p99 ms | mean ms |');
console.log('|---|---|---|---|---|---|');
for (const [key, s] of Object.entries(series)) {
  const [kind, profile, what] = key.split('/');
  const name = what
    ? profile === 'V'
      ? 'GPO_V alone'
      : 'GENAC_M alone'
    : profile === 'V'
      ? 'Kernel 3, profile V'
      : 'Kernel 2, profile M';
  console.log(`| ${name} | ${kind} | ${s.n} | ${s.p50_ms} | ${s.p99_ms} | ${s.mean_ms} |`);
}
console.log('ratio VosProvider / SoftwareProvider:', JSON.stringify(ratios));
console.log('VosProvider − SoftwareProvider (ms):', JSON.stringify(differences));
if (Object.keys(errors).length) console.log('not measured:', JSON.stringify(errors));
