/**
 * Red-team tests for the hook class (MASTG-TEST-0048/0050): preloads, loaders, NODE_OPTIONS,
 * LD_PRELOAD with a shared object compiled here, replaced built-ins. Each attack runs for real
 * against a child process (test/fixtures/probe.js).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cleanEnv, codes, runProbe } from './helpers/probe.js';
import { requireTool } from './helpers/system.js';

let dir = '';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'vguard-hooks-'));
  writeFileSync(join(dir, 'x.cjs'), '// harmless preload\n');
  writeFileSync(join(dir, 'x.mjs'), '// harmless ESM preload\n');
  writeFileSync(join(dir, 'hooks.mjs'), 'export async function resolve(s, c, next) { return next(s, c); }\n');
  writeFileSync(
    join(dir, 'replace.cjs'),
    [
      "const crypto = require('node:crypto');",
      'const origCipher = crypto.createCipheriv;',
      'crypto.createCipheriv = function createCipheriv(...a) { return origCipher(...a); };',
      'const origParse = JSON.parse;',
      'JSON.parse = function parse(t, r) { return origParse(t, r); };',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'evil.c'),
    '__attribute__((constructor)) static void init(void) {}\nint evil_marker(void) { return 42; }\n',
  );
});
after(() => rmSync(dir, { recursive: true, force: true }));

function find(r: ReturnType<typeof runProbe>, code: string) {
  return r.report.threats.filter((t) => t.code === code);
}

describe('hook detectors, for real', () => {
  test('--require ./x.cjs → PRELOAD_REQUIRE (execArgv, module named, _preload_modules counted)', () => {
    const r = runProbe({ flags: ['--require', './x.cjs'], cwd: dir });
    const [t] = find(r, 'PRELOAD_REQUIRE');
    assert.ok(t, JSON.stringify(r.report));
    assert.equal(t.evidence.execArgv, 1);
    assert.equal(t.evidence.modules, './x.cjs');
    assert.equal(t.evidence.preloadModules, 1);
    assert.ok(!codes(r).includes('NODE_OPTIONS_INJECTION'));
  });

  test('-r ./x.cjs (short form) → PRELOAD_REQUIRE', () => {
    const r = runProbe({ flags: ['-r', './x.cjs'], cwd: dir });
    assert.ok(find(r, 'PRELOAD_REQUIRE').length, JSON.stringify(r.report));
  });

  test('--import ./x.mjs → PRELOAD_IMPORT', () => {
    const r = runProbe({ flags: ['--import', './x.mjs'], cwd: dir });
    const [t] = find(r, 'PRELOAD_IMPORT');
    assert.ok(t, JSON.stringify(r.report));
    assert.equal(t.evidence.modules, './x.mjs');
  });

  test('--experimental-loader ./hooks.mjs → LOADER_HOOK', () => {
    const r = runProbe({ flags: ['--no-warnings', '--experimental-loader', './hooks.mjs'], cwd: dir });
    const [t] = find(r, 'LOADER_HOOK');
    assert.ok(t, JSON.stringify(r.report));
    assert.equal(t.evidence.execArgv, 1);
  });

  test("NODE_OPTIONS='--require …' → PRELOAD_REQUIRE from NODE_OPTIONS + NODE_OPTIONS_INJECTION, no value leaked", () => {
    const r = runProbe({ env: { NODE_OPTIONS: `--require ${join(dir, 'x.cjs')}` } });
    const [t] = find(r, 'PRELOAD_REQUIRE');
    assert.ok(t, JSON.stringify(r.report));
    assert.equal(t.evidence.nodeOptions, 1);
    assert.equal(t.evidence.execArgv, 0);
    assert.equal(t.evidence.modules, undefined);
    const [n] = find(r, 'NODE_OPTIONS_INJECTION');
    assert.ok(n);
    assert.equal(n.evidence.flags, '--require');
    assert.ok(
      !JSON.stringify(r.report).includes(dir),
      'the NODE_OPTIONS value must not appear in the report',
    );
  });

  test('a preload that replaces crypto.createCipheriv and JSON.parse → BUILTIN_REPLACED for both', () => {
    const r = runProbe({ flags: ['--require', './replace.cjs'], cwd: dir });
    const names = find(r, 'BUILTIN_REPLACED').map((t) => `${t.evidence.name}:${t.evidence.checks}`);
    // createCipheriv is JS: only the clean-realm reference can see a replacement made before V-Guard.
    assert.ok(names.includes('crypto.createCipheriv:reference'), names.join(' '));
    // JSON.parse is a V8 builtin: the native check sees it too.
    assert.ok(names.includes('JSON.parse:native,reference'), names.join(' '));
    assert.equal(names.length, 2, names.join(' '));
  });

  test('replacing crypto.createHash after V-Guard started → BUILTIN_REPLACED (identity)', () => {
    const r = runProbe({ args: ['--patch', 'crypto.createHash'] });
    const t = find(r, 'BUILTIN_REPLACED');
    assert.deepEqual(
      t.map((x) => `${x.evidence.name}:${x.evidence.checks}`),
      ['crypto.createHash:identity'],
    );
  });

  test('LD_PRELOAD of a shared object compiled here → LD_PRELOAD + UNEXPECTED_SHARED_OBJECT', (t) => {
    if (!requireTool(t, 'gcc')) return;
    const so = join(dir, 'evil.so');
    const cc = spawnSync('gcc', ['-shared', '-fPIC', '-o', so, join(dir, 'evil.c')], { encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
    const r = runProbe({ env: { LD_PRELOAD: so } });
    const [pre] = find(r, 'LD_PRELOAD');
    assert.ok(pre, JSON.stringify(r.report));
    assert.equal(pre.evidence.variables, 'LD_PRELOAD');
    const libs = find(r, 'UNEXPECTED_SHARED_OBJECT');
    assert.deepEqual(
      libs.map((x) => x.evidence.path),
      [so],
    );
    // Named like a known tool, it is tagged.
    const frida = join(dir, 'frida-agent-64.so');
    assert.equal(spawnSync('cp', [so, frida]).status, 0);
    const r2 = runProbe({ env: { LD_PRELOAD: frida } });
    assert.equal(find(r2, 'UNEXPECTED_SHARED_OBJECT')[0]?.evidence.knownTool, 'frida');
    // Allowed explicitly (an addon directory the app ships), the mapping is no longer reported.
    const r3 = runProbe({ env: { LD_PRELOAD: so }, args: ['--allow-lib', `${dir}/`] });
    assert.equal(find(r3, 'UNEXPECTED_SHARED_OBJECT').length, 0);
    assert.equal(find(r3, 'LD_PRELOAD').length, 1);
  });

  test('process.dlopen of a plain .so: Node refuses it and unmaps it (what really happens)', (t) => {
    if (!requireTool(t, 'gcc')) return;
    const so = join(dir, 'plain.so');
    assert.equal(spawnSync('gcc', ['-shared', '-fPIC', '-o', so, join(dir, 'evil.c')]).status, 0);
    const script = `try { process.dlopen({ exports: {} }, ${JSON.stringify(so)}); } catch (e) { console.log(e.code); }
console.log(require('node:fs').readFileSync('/proc/self/maps', 'utf8').includes(${JSON.stringify(so)}));`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: cleanEnv() });
    assert.deepEqual(r.stdout.trim().split('\n'), ['ERR_DLOPEN_FAILED', 'false']);
  });

  test('--expose-internals → INTERNALS_EXPOSED', () => {
    const r = runProbe({ flags: ['--expose-internals'] });
    const [t] = find(r, 'INTERNALS_EXPOSED');
    assert.ok(t, JSON.stringify(r.report));
    assert.equal(t.evidence.flags, '--expose-internals');
  });

  test('a plain run has no hook-class threat', () => {
    const r = runProbe();
    assert.deepEqual(
      r.report.threats.filter((x) => x.class === 'hook'),
      [],
    );
  });
});
