#!/usr/bin/env node
// Runs every compiled test file (packages/*/dist/test/**/*.test.js) with Node's built-in test
// runner. Node 20's `--test` does not expand globs itself, so we collect the files here.
// Two reporters: `spec` for the run, and the system gate (packages/e2e/src/system-gate.ts), which
// prints every test skipped for a missing system component loudly and, with
// OPENVSE_REQUIRE_SYSTEM=1, fails the run for it (docs/testing.md "System components").
// Usage: node scripts/run-tests.mjs [--node=<path to another node binary>] [substring-filter ...]
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const nodeArg = args.find((a) => a.startsWith('--node='));
const runner = nodeArg ? nodeArg.slice('--node='.length) : process.execPath;
const filters = args.filter((a) => a !== nodeArg);
const gate = join(root, 'packages/e2e/dist/src/system-gate.js');

function collect(dir, out) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) collect(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const files = [];
for (const pkg of readdirSync(join(root, 'packages')).sort()) {
  const dir = join(root, 'packages', pkg, 'dist', 'test');
  if (existsSync(dir)) collect(dir, files);
}
const selected = filters.length ? files.filter((f) => filters.some((s) => f.includes(s))) : files;
if (selected.length === 0) {
  console.error('run-tests: no compiled test files found (did `npm run build` run?)');
  process.exit(1);
}
if (!existsSync(gate)) {
  console.error(`run-tests: ${gate} missing (did \`npm run build\` run?)`);
  process.exit(1);
}
const testArgs = [
  '--test',
  '--test-reporter=spec',
  '--test-reporter-destination=stdout',
  `--test-reporter=${gate}`,
  '--test-reporter-destination=stderr',
  '--test-concurrency=2',
  ...selected,
];
const r = spawnSync(runner, testArgs, { stdio: 'inherit', cwd: root });
process.exit(r.status ?? 1);
