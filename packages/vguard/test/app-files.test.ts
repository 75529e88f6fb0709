/**
 * Signed app-file manifest (MASTG-TEST-0047): make and sign a manifest for an app directory, then
 * modify / delete / add files and swap the signing key, and check both verifyAppManifest and the
 * probe (the real scanner in a child process) report the APP_* codes.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, beforeEach, describe, test } from 'node:test';
import {
  canonicalJson,
  createAppManifest,
  generateManifestKeyPair,
  parseAppManifest,
  type SignedAppManifest,
  signAppManifest,
  verifyAppManifest,
} from '../src/index.js';
import { codes, runProbe } from './helpers/probe.js';

const root = mkdtempSync(join(tmpdir(), 'vguard-app-'));
const keys = generateManifestKeyPair();
const other = generateManifestKeyPair();
let app = '';
let manifest: SignedAppManifest;
let n = 0;

function writeApp(dir: string): void {
  mkdirSync(join(dir, 'lib'), { recursive: true });
  writeFileSync(join(dir, 'main.js'), "import './lib/util.js';\n");
  writeFileSync(join(dir, 'lib', 'util.js'), 'export const x = 1;\n');
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
}

beforeEach(() => {
  app = join(root, `app${++n}`);
  writeApp(app);
  manifest = signAppManifest(createAppManifest(app), keys.privateKeyPem);
});
after(() => rmSync(root, { recursive: true, force: true }));

function probeWith(m: SignedAppManifest, pub = keys.publicKeyPem) {
  const mf = join(root, `m${n}.json`);
  const pf = join(root, `p${n}.pem`);
  writeFileSync(mf, JSON.stringify(m));
  writeFileSync(pf, pub);
  return runProbe({ args: ['--manifest', mf, '--app-dir', app, '--pub', pf] });
}

describe('app-file manifest', () => {
  test('shape: version, sha256, sorted relPaths with "/", canonical JSON, Ed25519 signature with key id', () => {
    assert.deepEqual(Object.keys(manifest.files), ['lib/util.js', 'main.js', 'package.json']);
    assert.equal(manifest.version, 1);
    assert.equal(manifest.algorithm, 'sha256');
    assert.match(manifest.files['main.js']!, /^[0-9a-f]{64}$/);
    assert.equal(manifest.signature.alg, 'Ed25519');
    assert.equal(manifest.signature.kid, keys.keyId);
    assert.equal(Buffer.from(manifest.signature.value, 'base64url').length, 64);
    assert.equal(canonicalJson({ b: 1, a: [true, null, 'x'] }), '{"a":[true,null,"x"],"b":1}');
    assert.deepEqual(parseAppManifest(JSON.stringify(manifest)), manifest);
  });

  test('untouched directory → no threat (in-process and in the probe)', () => {
    assert.deepEqual(verifyAppManifest(app, manifest, keys.publicKeyPem), []);
    const r = probeWith(manifest);
    assert.ok(!codes(r).some((c) => c.startsWith('APP_')), JSON.stringify(r.report));
  });

  test('modified file → APP_FILE_MODIFIED with its relPath only', () => {
    writeFileSync(join(app, 'lib', 'util.js'), 'export const x = 2; // patched\n');
    const threats = verifyAppManifest(app, manifest, keys.publicKeyPem);
    assert.deepEqual(
      threats.map((t) => [t.code, t.evidence]),
      [['APP_FILE_MODIFIED', { relPath: 'lib/util.js' }]],
    );
    const r = probeWith(manifest);
    assert.deepEqual(
      r.report.threats.filter((t) => t.class === 'tamper').map((t) => [t.code, t.evidence.relPath]),
      [['APP_FILE_MODIFIED', 'lib/util.js']],
    );
    assert.equal(r.report.clean, false);
  });

  test('deleted file → APP_FILE_MISSING', () => {
    unlinkSync(join(app, 'main.js'));
    const r = probeWith(manifest);
    assert.deepEqual(
      r.report.threats.filter((t) => t.class === 'tamper').map((t) => [t.code, t.evidence.relPath]),
      [['APP_FILE_MISSING', 'main.js']],
    );
  });

  test('added code file → APP_FILE_UNEXPECTED; an added non-code file is ignored', () => {
    writeFileSync(join(app, 'lib', 'hook.cjs'), 'module.exports = 1;\n');
    writeFileSync(join(app, 'notes.txt'), 'hello\n');
    const r = probeWith(manifest);
    assert.deepEqual(
      r.report.threats.filter((t) => t.class === 'tamper').map((t) => [t.code, t.evidence.relPath]),
      [['APP_FILE_UNEXPECTED', 'lib/hook.cjs']],
    );
  });

  test('manifest signed with another key → APP_MANIFEST_INVALID only (the file list is not used)', () => {
    const forged = signAppManifest(createAppManifest(app), other.privateKeyPem);
    writeFileSync(join(app, 'main.js'), 'evil();\n');
    const r = probeWith(forged);
    assert.deepEqual(
      r.report.threats.filter((t) => t.class === 'tamper').map((t) => [t.code, t.evidence.reason]),
      [['APP_MANIFEST_INVALID', 'signature']],
    );
  });

  test('an edited manifest (hash swapped to match a patched file) → APP_MANIFEST_INVALID', () => {
    writeFileSync(join(app, 'main.js'), 'evil();\n');
    const patched = {
      ...manifest,
      files: { ...manifest.files, 'main.js': createAppManifest(app).files['main.js']! },
    };
    const t = verifyAppManifest(app, patched, keys.publicKeyPem);
    assert.deepEqual(
      t.map((x) => [x.code, x.evidence.reason]),
      [['APP_MANIFEST_INVALID', 'signature']],
    );
  });

  test('malformed manifests → APP_MANIFEST_INVALID (format); unsafe paths refused', () => {
    for (const bad of [
      'not json',
      { ...manifest, version: 2 },
      { ...manifest, files: { '../etc/passwd': '0'.repeat(64) } },
      { ...manifest, files: { 'a/./b': '0'.repeat(64) } },
      { ...manifest, extra: 1 },
    ]) {
      const t = verifyAppManifest(app, bad, keys.publicKeyPem);
      assert.deepEqual(
        t.map((x) => [x.code, x.evidence.reason]),
        [['APP_MANIFEST_INVALID', 'format']],
        JSON.stringify(bad).slice(0, 80),
      );
    }
    const wrongKey = verifyAppManifest(app, manifest, keys.privateKeyPem);
    assert.deepEqual(
      wrongKey.map((x) => [x.code, x.evidence.reason]),
      [['APP_MANIFEST_INVALID', 'pinned-key']],
    );
  });

  test('the manifest file itself is excluded when written inside the directory', () => {
    const out = join(app, 'manifest.json');
    writeFileSync(out, '{}');
    const body = createAppManifest(app, { exclude: [out] });
    assert.ok(!('manifest.json' in body.files));
  });
});
