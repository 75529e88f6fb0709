#!/usr/bin/env node
// `npm start`: builds the tree, saying what it is doing and how long each step took, then runs
// the end-to-end demo (`openvse demo`, README.md "Quick start") with the arguments given after
// `npm start --`. The steps are the ones of `npm run build`: `tsc -b` (incremental: fast when
// nothing changed), then scripts/bundle-vos.mjs (V-OS bundles and the SES code cache). The
// demo's exit code is this script's; a failed step stops here with its own.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const started = performance.now();
const seconds = (t0) => `${((performance.now() - t0) / 1000).toFixed(1)} s`;

/** Runs one step, printing what it is and, when it ends, how long it took. */
function step(label, file, args) {
  const t0 = performance.now();
  process.stdout.write(`npm start: ${label}…\n`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file, ...args], { cwd: root, stdio: 'inherit' });
    child.once('error', (e) => {
      process.stderr.write(`npm start: ${label} could not start: ${e.message}\n`);
      resolve(1);
    });
    child.once('exit', (code, signal) => {
      const status = code ?? (signal === 'SIGINT' ? 130 : 1);
      process.stdout.write(
        status === 0
          ? `npm start: ${label}: done in ${seconds(t0)}\n`
          : `npm start: ${label}: FAILED (exit ${status}) after ${seconds(t0)}\n`,
      );
      resolve(status);
    });
  });
}

// Ctrl-C reaches the children too (same process group); wait for them to end and pass it on.
process.on('SIGINT', () => {});

const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
let code = await step('building (tsc -b)', tsc, ['-b']);
if (code === 0)
  code = await step('bundling V-OS (scripts/bundle-vos.mjs)', join(root, 'scripts', 'bundle-vos.mjs'), []);
if (code === 0) {
  process.stdout.write(`npm start: built in ${seconds(started)}; starting the demo (openvse demo)\n\n`);
  const main = join(root, 'packages', 'cli', 'dist', 'src', 'main.js');
  code = await new Promise((resolve) => {
    const child = spawn(process.execPath, [main, 'demo', ...process.argv.slice(2)], {
      cwd: root,
      stdio: 'inherit',
    });
    child.once('error', () => resolve(1));
    child.once('exit', (c, signal) => resolve(c ?? (signal === 'SIGINT' ? 130 : 1)));
  });
}
process.exit(code);
