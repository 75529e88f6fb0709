#!/usr/bin/env node
// After `tsc -b`: single-file bundles of the two V-OS entry modules that load after SES lockdown,
// the V-OS process's service (service/run-service.js, which includes the secure world) and the
// embedded worker's secure world (worker/secure-world.js). One file loads several times faster
// than a graph of ~70 modules (bench/vos-process: the V-OS process cold start). The entries
// (service/main.js, worker/entry.js) prefer a bundle that is at least as new as its module
// (worker/ses-lockdown.ts preferBundle): beside each bundle, `<bundle>.inputs.json` lists what it
// was built from — the build-info file of each workspace package it holds (tsc -b rewrites it
// whenever it emits anything for that package) and the package.json of each npm package — and an
// entry loads the bundle only when none of them is newer. So a plain `tsc -b` after an edit
// anywhere never runs stale code, and the check costs a handful of stats, not one per module.
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { buildSync } from 'esbuild';

/** The file whose time stands for `file`'s: its package's tsc build info, or its package.json. */
function stampOf(file) {
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    const buildInfo = resolve(dir, 'dist/tsconfig.tsbuildinfo');
    if (!dir.includes('node_modules') && existsSync(buildInfo)) return buildInfo;
    if (dir.includes('node_modules') && existsSync(resolve(dir, 'package.json')))
      return resolve(dir, 'package.json');
  }
  throw new Error(`bundle-vos: no package for ${file}`);
}

const dist = new URL('../packages/vos/dist/src/', import.meta.url);
for (const entry of ['service/run-service.js', 'worker/secure-world.js']) {
  const infile = new URL(entry, dist).pathname;
  const outfile = infile.replace(/\.js$/, '.bundle.js');
  const { metafile } = buildSync({
    entryPoints: [infile],
    outfile,
    metafile: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // A native addon, loaded by path at run time; ses is loaded before these, by the entry.
    external: ['pkcs11js', 'ses'],
    logLevel: 'warning',
    legalComments: 'none',
  });
  const inputs = [...new Set(Object.keys(metafile.inputs).map((p) => stampOf(resolve(p))))].map((f) =>
    relative(dirname(outfile), f),
  );
  writeFileSync(`${outfile}.inputs.json`, `${JSON.stringify(inputs)}\n`);
}

// V8's code cache of SES, made by the Node that built the tree (worker/ses-lockdown.ts): loading
// SES is most of the V-OS process's lockdown time. Another Node version ignores it.
const lockdownModule = new URL('worker/ses-lockdown.js', dist).href;
const r = spawnSync(
  process.execPath,
  [
    '--input-type=module',
    '-e',
    `import { writeSesCodeCache } from ${JSON.stringify(lockdownModule)}; writeSesCodeCache();`,
  ],
  { stdio: 'inherit' },
);
if (r.status !== 0) process.exit(r.status ?? 1);
