// bench/emv-backends: emv's two crypto backends (docs/emv-cryptography.md §8, docs/mobile.md).
//   node          ARQC generation and verification per second (the inputs of bench/emv) on the
//                 node:crypto backend and on the pure-JavaScript backend, in this Node process;
//   hermes        the same loops on the Hermes 0.12 VM (hermes-engine-cli, the bundle of
//                 packages/hermes in bench mode: pure-JavaScript backend, SES lockdown first),
//                 and the time of one profile V cryptogram (GPO_V of the CBP TA core on the
//                 pure platform, without the Node ↔ VM boundary), goal ≤ 20 ms;
//   ratios        each figure over the node:crypto backend's in the same run.
// The Hermes VM is an interpreter (no JIT) and times with Date.now(): its figures are coarser.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  deriveEmvCommonSessionKey,
  deriveIccMkOptionA,
  generateAc,
  hexToBytes,
  nodeCryptoBackend,
  setCryptoBackend,
  verifyAc,
} from '@openvse/emv';
import { pureJsCryptoBackend } from '@openvse/emv/pure';
import { buildHermesBundle, prepareHermesRun, probeHermes, runOnHermes } from '@openvse/hermes';
import { machine, opsPerSecond, writeResult } from '../lib/measure.mjs';

// Where the result goes (scripts/run-bench.mjs, docs/benchmarks.md): bench/results/local/, which git
// ignores, unless OPENVSE_BENCH_RESULTS names another folder (`npm run bench -- --update` names the
// committed bench/results/). Progress lines go to stderr.
const RESULTS =
  process.env.OPENVSE_BENCH_RESULTS || fileURLToPath(new URL('../results/local/', import.meta.url));
const progress = (step) => process.stderr.write(`[bench emv-backends] ${step}\n`);

// The inputs of bench/emv.
const imk = hexToBytes('0123456789ABCDEFFEDCBA9876543210');
const pan = '5413330089010434';
const r = hexToBytes('001C000000000000');
const acData = hexToBytes('000000001000000000000000097800000000000978261128005E1A2B3C3800001C03A0A00000');

function loops() {
  const mk = deriveIccMkOptionA(imk, pan, '00');
  const sk = deriveEmvCommonSessionKey(mk, r);
  const arqc = generateAc({ key: sk, data: acData, paddingMethod: 2 });
  return {
    arqc_generate: () => {
      const k = deriveEmvCommonSessionKey(mk, r);
      generateAc({ key: k, data: acData, paddingMethod: 2 });
      k.fill(0);
    },
    arqc_verify: () => {
      const m = deriveIccMkOptionA(imk, pan, '00');
      const k = deriveEmvCommonSessionKey(m, r);
      if (!verifyAc({ key: k, data: acData, paddingMethod: 2, ac: arqc }))
        throw new Error('ARQC did not verify');
      m.fill(0);
      k.fill(0);
    },
  };
}

const node = {};
for (const [i, backend] of [nodeCryptoBackend, pureJsCryptoBackend].entries()) {
  setCryptoBackend(backend);
  const l = loops();
  for (const name of ['arqc_generate', 'arqc_verify']) {
    progress(`node ${i + 1}/2 ${backend.name} ${name} (5 rounds of 0.5 s)`);
    node[`${backend.name}:${name}`] = opsPerSecond(l[name]);
  }
}
setCryptoBackend(null);

const base = (name) => node[`node:crypto:${name}`];
const ratio = (v, name) => Number((v / base(name)).toFixed(4));
const out = {
  suite: 'emv-backends',
  unit: 'operations per second, one core (Node: median of 5 rounds of 0.5 s; Hermes: one 2 s loop each, Date.now())',
  machine: { ...machine(), note: 'shared machine: other sessions may run at the same time' },
  results: { node },
  ratios: {
    pure_js_node_per_node_crypto: {
      arqc_generate: ratio(node['pure-js:arqc_generate'], 'arqc_generate'),
      arqc_verify: ratio(node['pure-js:arqc_verify'], 'arqc_verify'),
    },
  },
};

const probe = probeHermes();
if (!probe.ok) {
  progress(`Hermes skipped: ${probe.why}`);
  out.hermes = { skipped: probe.why };
} else {
  progress(`hermes: building the bench bundle (Hermes ${probe.versions.vm})`);
  const vectorsText = readFileSync(
    new URL('../../test/fixtures/vectors/emv-public.json', import.meta.url),
    'utf8',
  );
  const prepared = await prepareHermesRun({ mode: 'bench', vectorsText, loopMs: 2000, cryptograms: 200 });
  const dir = mkdtempSync(join(tmpdir(), 'openvse-hermes-bench-'));
  try {
    const bundle = await buildHermesBundle(prepared.input, dir);
    progress('hermes: compiling with Hermes 0.12 hermesc and running on the 0.12 VM');
    const run = runOnHermes(probe.binaries, bundle.file);
    const b = run.result.bench;
    const v = run.result.vectors;
    if (v.failed !== 0) throw new Error(`vectors failed on Hermes: ${v.failures.join('; ')}`);
    out.results.hermes = {
      version: probe.versions.vm,
      arqc_generate: b.arqc_generate,
      arqc_verify: b.arqc_verify,
      profile_v_cryptogram_ms: b.profile_v_cryptogram_ms,
      vectors: `${v.passed}/${v.total}`,
      bundle_bytes: bundle.bytes,
      compile_ms: run.compileMs,
      timings_ms: run.result.timings,
    };
    out.ratios.hermes_per_node_crypto = {
      arqc_generate: ratio(b.arqc_generate, 'arqc_generate'),
      arqc_verify: ratio(b.arqc_verify, 'arqc_verify'),
    };
    out.goal = {
      profile_v_cryptogram_ms_on_hermes: 20,
      met: b.profile_v_cryptogram_ms.p95 <= 20,
      measured: 'p95 over 200 GPO_V calls',
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const file = join(RESULTS, 'emv-backends.json');
writeResult(file, out);
progress(`wrote ${file}`);
console.log(JSON.stringify({ results: out.results, ratios: out.ratios, goal: out.goal }, null, 2));
