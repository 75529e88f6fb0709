#!/usr/bin/env node
// Runs benchmark suites: `npm run bench -- <name> [<name>…] [--update]` runs bench/<name>/run.mjs
// (compiled code only), one after the other, saying which suite runs and how long each took (the
// suites print their own steps, `[bench <name>] …`).
// Results go to bench/results/local/<suite>.json, which git ignores, so that a run on a laptop or a
// shared machine never changes the committed figures. `--update` (or BENCH_UPDATE=1) writes the
// committed bench/results/<suite>.json instead, for a run meant to replace them (docs/benchmarks.md).
// The suites read the folder from OPENVSE_BENCH_RESULTS.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const update = args.includes('--update') || process.env.BENCH_UPDATE === '1';
const names = args.filter((a) => a !== '--update');
const all = readdirSync(join(root, 'bench'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(root, 'bench', d.name, 'run.mjs')))
  .map((d) => d.name);
if (names.length === 0) {
  console.error(`usage: npm run bench -- <${all.join('|')}> [more suites] [--update]`);
  process.exit(2);
}
for (const name of names) {
  if (!all.includes(name)) {
    console.error(`bench: unknown suite "${name}" (have: ${all.join(', ')})`);
    process.exit(2);
  }
}

const resultsDir = join(root, 'bench', 'results', ...(update ? [] : ['local']));
const shown = `${relative(root, resultsDir)}/`;
console.log(
  update
    ? `bench: results go to ${shown} (the committed figures: --update / BENCH_UPDATE=1)`
    : `bench: results go to ${shown} (not tracked; --update writes the committed bench/results/)`,
);
const seconds = (t0) => ((performance.now() - t0) / 1000).toFixed(1);
const started = performance.now();
for (const [i, name] of names.entries()) {
  const t0 = performance.now();
  console.log(`bench: [${i + 1}/${names.length}] ${name}: running bench/${name}/run.mjs…`);
  const r = spawnSync(process.execPath, [join(root, 'bench', name, 'run.mjs')], {
    stdio: 'inherit',
    cwd: root,
    env: { ...process.env, OPENVSE_BENCH_RESULTS: resultsDir },
  });
  if (r.status !== 0) {
    console.error(
      `bench: [${i + 1}/${names.length}] ${name}: FAILED (exit ${r.status ?? r.signal}) after ${seconds(t0)} s`,
    );
    process.exit(r.status ?? 1);
  }
  console.log(`bench: [${i + 1}/${names.length}] ${name}: done in ${seconds(t0)} s → ${shown}`);
}
if (names.length > 1) console.log(`bench: ${names.length} suites in ${seconds(started)} s`);
