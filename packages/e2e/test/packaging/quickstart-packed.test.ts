/**
 * The packages as npm would publish them, used from another project: `npm pack` of every
 * publishable package (helpers.ts PUBLISHED), their metadata and tarball contents checked, the
 * tarballs installed into an empty project outside the workspace (os.tmpdir(); third-party
 * dependencies from the npm cache or the registry, `--prefer-offline`), examples/wallet-quickstart
 * copied there with its package.json, its JSDoc types checked against the installed packages'
 * declarations, and the script run from that install against the workspace's `openvse server` in
 * development mode: it must print an approved authorization and exit 0. About a minute, most of it
 * `npm install`. The fast path from the checkout: quickstart-workspace.test.ts.
 */
import assert from 'node:assert/strict';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ROOT, workspacePackages } from '../repository/repo.js';
import { approved, PUBLISHED, QUICKSTART_DIR, run, runQuickstart, startDevServer } from './helpers.js';

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  license?: string;
  repository?: { type?: string; url?: string; directory?: string };
  engines?: { node?: string };
  keywords?: string[];
  types?: string;
  main?: string;
  files?: string[];
  exports?: Record<string, { types?: string; default?: string }>;
  dependencies?: Record<string, string>;
}

interface PackResult {
  name: string;
  version: string;
  filename: string;
  files: { path: string }[];
}

const manifest = (dir: string): Manifest =>
  JSON.parse(readFileSync(join(ROOT, 'packages', dir, 'package.json'), 'utf8')) as Manifest;

/** `^X.Y.Z` or `X.Y.Z` (the only forms used between @openvse packages) against a version. */
function satisfies(version: string, range: string): boolean {
  const parse = (v: string) => v.split('.').map(Number);
  const m = /^(\^?)(\d+\.\d+\.\d+)$/.exec(range);
  if (!m) return false;
  if (!m[1]) return version === m[2];
  const [a, b, c] = parse(version) as [number, number, number];
  const [x, y, z] = parse(m[2]!) as [number, number, number];
  if (a !== x) return false;
  if (x > 0) return b > y || (b === y && c >= z);
  if (y > 0) return b === y && c >= z;
  return b === 0 && c === z;
}

describe('publishable packages, packed and installed outside the workspace', () => {
  let base = '';
  let packs = '';
  let project = '';
  const packed = new Map<string, PackResult>();

  before(() => {
    base = mkdtempSync(join(tmpdir(), 'openvse-packaging-'));
    assert.ok(
      relative(ROOT, realpathSync(base)).startsWith('..'),
      `the temporary project must lie outside the workspace (TMPDIR=${tmpdir()})`,
    );
    packs = join(base, 'packs');
    project = join(base, 'project');
    mkdirSync(packs);
    mkdirSync(project);
  });
  after(() => rmSync(base, { recursive: true, force: true }));

  test('publishable metadata: public, licensed, engines, files; @openvse ranges resolve inside the set', () => {
    const versions = new Map(PUBLISHED.map((d) => [manifest(d).name, manifest(d).version]));
    for (const d of PUBLISHED) {
      const m = manifest(d);
      assert.notEqual(m.private, true, `${m.name} is private`);
      assert.equal(m.license, 'Apache-2.0', `${m.name} license`);
      assert.equal(m.repository?.directory, `packages/${d}`, `${m.name} repository.directory`);
      assert.ok(m.repository?.url, `${m.name} repository.url`);
      assert.equal(m.engines?.node, '>=20.10', `${m.name} engines.node`);
      assert.ok((m.keywords ?? []).length > 0, `${m.name} keywords`);
      assert.deepEqual(m.files?.filter((f) => !f.startsWith('!')).sort(), ['README.md', 'dist/src', 'src']);
      assert.ok(existsSync(join(ROOT, 'packages', d, 'README.md')), `${m.name} README.md`);
      assert.equal(m.types, m.exports?.['.']?.types, `${m.name} types = exports["."].types`);
      for (const [dep, range] of Object.entries(m.dependencies ?? {})) {
        if (!dep.startsWith('@openvse/')) continue;
        const v = versions.get(dep);
        assert.ok(v, `${m.name} depends on ${dep}, which is not published`);
        assert.ok(satisfies(v, range), `${m.name}: ${dep}@${range} does not match the workspace's ${v}`);
      }
    }
    // Everything else stays private: a new publishable package is added to PUBLISHED on purpose.
    for (const p of workspacePackages())
      if (!PUBLISHED.some((d) => p.dir === join(ROOT, 'packages', d)))
        assert.equal((p.json as { private?: boolean }).private, true, `${p.name} is private`);
    assert.equal((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Manifest).private, true);
  });

  test('npm pack: each tarball holds its compiled code, declarations, sources and README only', async (t) => {
    const r = await run(
      'npm',
      ['pack', '--json', '--pack-destination', packs, ...PUBLISHED.flatMap((d) => ['-w', `packages/${d}`])],
      ROOT,
    );
    assert.equal(r.status, 0, `npm pack:\n${r.stderr}`);
    t.diagnostic(`npm pack: ${r.ms} ms`);
    for (const p of JSON.parse(r.stdout) as PackResult[]) packed.set(p.name, p);
    for (const d of PUBLISHED) {
      const m = manifest(d);
      const p = packed.get(m.name);
      assert.ok(p && existsSync(join(packs, p.filename)), `${m.name} packed`);
      const files = new Set(p.files.map((f) => f.path));
      const stray = [...files].filter(
        (f) =>
          !/^(package\.json|README\.md|LICENSE|dist\/src\/.+|src\/.+)$/.test(f) || /(^|\/)test\//.test(f),
      );
      assert.deepEqual(stray, [], `${m.name}: files outside dist/src, src, README.md`);
      assert.ok(files.has('README.md'), `${m.name}: README.md`);
      assert.ok(files.has('LICENSE'), `${m.name}: LICENSE (the Apache-2.0 text its licence field names)`);
      for (const [sub, target] of Object.entries(m.exports ?? {}))
        for (const f of [target.types, target.default])
          assert.ok(f && files.has(f.replace(/^\.\//, '')), `${m.name} exports["${sub}"] → ${f} not packed`);
      // Built-from-the-workspace artefacts an install cannot use (docs/decisions.md).
      assert.deepEqual(
        [...files].filter((f) => /\.bundle\.js|code-cache|tsbuildinfo/.test(f)),
        [],
        `${m.name}: workspace-only build artefacts`,
      );
    }
    // What runs at run time: V-OS's worker and process entries, the CBP TA's entry (bundled and
    // signed in process by buildCbpTaBundle).
    const vos = new Set(packed.get('@openvse/vos')!.files.map((f) => f.path));
    for (const f of [
      'dist/src/worker/entry.js',
      'dist/src/worker/secure-world.js',
      'dist/src/service/main.js',
    ])
      assert.ok(vos.has(f), `@openvse/vos: ${f}`);
    assert.ok(
      packed.get('@openvse/cbp-ta')!.files.some((f) => f.path === 'dist/src/ta/entry.js'),
      '@openvse/cbp-ta: dist/src/ta/entry.js',
    );
  });

  test('npm install of the tarballs into an empty project, then the quickstart pays', {
    timeout: 300_000,
  }, async (t) => {
    assert.equal(packed.size, PUBLISHED.length, 'every package packed (previous test)');
    for (const f of ['package.json', 'quickstart.mjs', 'tsconfig.json'])
      copyFileSync(join(QUICKSTART_DIR, f), join(project, f));
    const tarballs = PUBLISHED.map((d) => join(packs, packed.get(manifest(d).name)!.filename));
    const install = await run(
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', ...tarballs],
      project,
      240_000,
    );
    assert.equal(install.status, 0, `npm install:\n${install.stdout}\n${install.stderr}`);
    t.diagnostic(`npm install: ${install.ms} ms`);

    // Every @openvse package comes from a tarball, once, as a real folder of the project.
    const lock = JSON.parse(readFileSync(join(project, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { resolved?: string; link?: boolean }>;
    };
    const ours = Object.entries(lock.packages).filter(([k]) => k.includes('node_modules/@openvse/'));
    assert.deepEqual(
      ours.map(([k]) => k).sort(),
      PUBLISHED.map((d) => `node_modules/${manifest(d).name}`).sort(),
    );
    for (const [k, v] of ours) {
      assert.ok(v.resolved?.startsWith('file:') && v.resolved.endsWith('.tgz'), `${k} from a tarball`);
      assert.notEqual(v.link, true, `${k} is not a link`);
      const real = realpathSync(join(project, k));
      assert.ok(real.startsWith(realpathSync(project)), `${k} lies in the project (${real})`);
    }
    // A wallet's install brings no server code (no SQLite, fastify, pg).
    for (const m of ['better-sqlite3', 'fastify', 'pg', '@openvse/server'])
      assert.ok(!existsSync(join(project, 'node_modules', m)), `${m} installed`);
    // The example's allowScripts denies pkcs11js's native build: nothing the quickstart runs loads it.
    t.diagnostic(
      `pkcs11js native module ${existsSync(join(project, 'node_modules/pkcs11js/build')) ? 'built' : 'not built'}`,
    );

    // The quickstart's JSDoc types against the installed declarations (its own typescript).
    const tsc = await run(
      process.execPath,
      [join(project, 'node_modules/typescript/bin/tsc'), '-p', '.'],
      project,
    );
    assert.equal(tsc.status, 0, `tsc -p . in the project:\n${tsc.stdout}${tsc.stderr}`);
    t.diagnostic(`tsc: ${tsc.ms} ms`);

    const server = await startDevServer(join(base, 'server'));
    t.diagnostic(`openvse server ${server.mode}`);
    try {
      const r = await runQuickstart('quickstart.mjs', project, server);
      t.diagnostic(`quickstart: ${r.ms} ms`);
      assert.ok(
        approved(r),
        `quickstart from the packed install (exit ${r.status}):\n${r.stdout}\n${r.stderr}`,
      );
    } finally {
      assert.equal(await server.stop(), 0, 'the server exits 0 on SIGTERM');
    }
  });
});
