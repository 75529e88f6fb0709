#!/usr/bin/env node
// Runs a benchmark suite: `npm run bench -- <name>` runs bench/<name>/run.mjs (compiled code only).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const names = process.argv.slice(2);
const all = readdirSync(join(root, 'bench'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(root, 'bench', d.name, 'run.mjs')))
  .map((d) => d.name);
if (names.length === 0) {
  console.error(`usage: npm run bench -- <${all.join('|')}>`);
  process.exit(2);
}
for (const name of names) {
  if (!all.includes(name)) {
    console.error(`bench: unknown suite "${name}" (have: ${all.join(', ')})`);
    process.exit(2);
  }
  const r = spawnSync(process.execPath, [join(root, 'bench', name, 'run.mjs')], {
    stdio: 'inherit',
    cwd: root,
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
