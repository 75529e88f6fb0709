/**
 * `openvse ta keygen|pack|verify`, run as a user runs them: spawning the built CLI
 * (packages/cli/dist/src/main.js) in a scratch directory.
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));

function cli(cwd: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, 'ta', ...args], { cwd, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function assertCleanFailure(r: { status: number | null; stderr: string }, pattern: RegExp): void {
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, pattern);
  assert.equal(r.stderr.trim().split('\n').length, 1, `expected one line, got:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}

const MANIFEST = {
  uuid: '6e1c2c8a-7b5e-4d1f-9a53-0c1d2e3f4a5b',
  name: 'Echo TA',
  version: '1.0.0',
  capabilities: ['log', 'random'],
  commands: { echo: 1 },
};
const CODE = "'use strict';\n({ invoke: (commandId, params) => params });\n";

describe('openvse ta', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'openvse-ta-cli-'));
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(MANIFEST, null, 2));
    writeFileSync(join(dir, 'ta.js'), CODE);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('keygen writes a 0600 private key and a public key, prints the key id, refuses to overwrite', () => {
    const r = cli(dir, 'keygen', '--out', 'keys');
    assert.equal(r.status, 0, r.stderr);
    const kid = /key id ([A-Za-z0-9_-]{43})/.exec(r.stdout)?.[1];
    assert.ok(kid, r.stdout);
    const priv = join(dir, 'keys', 'ta-signing.key.pem');
    const pub = join(dir, 'keys', 'ta-signing.pub.pem');
    assert.equal(statSync(priv).mode & 0o777, 0o600);
    assert.match(readFileSync(priv, 'utf8'), /BEGIN PRIVATE KEY/);
    assert.match(readFileSync(pub, 'utf8'), /BEGIN PUBLIC KEY/);
    const again = cli(dir, 'keygen', '--out', 'keys');
    assertCleanFailure(again, /already exists/);
    assert.match(readFileSync(priv, 'utf8'), /BEGIN PRIVATE KEY/);
    // A second key pair for the wrong-key cases.
    assert.equal(cli(dir, 'keygen', '--out', 'other').status, 0);
  });

  test('pack then verify round-trips and prints the manifest', () => {
    const p = cli(
      dir,
      'pack',
      '--manifest',
      'manifest.json',
      '--code',
      'ta.js',
      '--key',
      'keys/ta-signing.key.pem',
      '--out',
      'echo.ovta',
    );
    assert.equal(p.status, 0, p.stderr);
    assert.match(p.stdout, /packed echo\.ovta: Echo TA 6e1c2c8a-7b5e-4d1f-9a53-0c1d2e3f4a5b v1\.0\.0/);
    const bundle = readFileSync(join(dir, 'echo.ovta'));
    assert.equal(bundle.subarray(0, 4).toString('latin1'), 'OVTA');
    const v = cli(dir, 'verify', '--bundle', 'echo.ovta', '--pub', 'keys/ta-signing.pub.pem');
    assert.equal(v.status, 0, v.stderr);
    const out = JSON.parse(v.stdout);
    assert.equal(out.manifest.uuid, MANIFEST.uuid);
    assert.deepEqual(out.manifest.capabilities, ['log', 'random']);
    assert.match(out.manifest.codeSha256, /^[0-9a-f]{64}$/);
    assert.match(out.signerKeyId, /^[A-Za-z0-9_-]{43}$/);
    // Any one of several --pub keys may match.
    const v2 = cli(
      dir,
      'verify',
      '--bundle',
      'echo.ovta',
      '--pub',
      'other/ta-signing.pub.pem',
      '--pub',
      'keys/ta-signing.pub.pem',
    );
    assert.equal(v2.status, 0, v2.stderr);
  });

  test('verify refuses a wrong key, an altered bundle and a missing file with one clear line', () => {
    assertCleanFailure(
      cli(dir, 'verify', '--bundle', 'echo.ovta', '--pub', 'other/ta-signing.pub.pem'),
      /^openvse ta verify: TEE_ERROR_SECURITY: .*not pinned/,
    );
    const bundle = readFileSync(join(dir, 'echo.ovta'));
    bundle[bundle.length - 100]! ^= 1;
    writeFileSync(join(dir, 'altered.ovta'), bundle);
    assertCleanFailure(
      cli(dir, 'verify', '--bundle', 'altered.ovta', '--pub', 'keys/ta-signing.pub.pem'),
      /TEE_ERROR_SECURITY: .*signature/,
    );
    writeFileSync(join(dir, 'junk.ovta'), 'hello');
    assertCleanFailure(
      cli(dir, 'verify', '--bundle', 'junk.ovta', '--pub', 'keys/ta-signing.pub.pem'),
      /TEE_ERROR_BAD_FORMAT/,
    );
    assertCleanFailure(
      cli(dir, 'verify', '--bundle', 'missing.ovta', '--pub', 'keys/ta-signing.pub.pem'),
      /cannot read bundle missing\.ovta \(ENOENT\)/,
    );
    assertCleanFailure(
      cli(dir, 'verify', '--bundle', 'echo.ovta', '--pub', 'keys/ta-signing.key.pem'),
      /public key/,
    );
  });

  test('pack refuses bad manifests, a public key as signing key, and reports missing options', () => {
    writeFileSync(join(dir, 'bad-cap.json'), JSON.stringify({ ...MANIFEST, capabilities: ['net'] }));
    assertCleanFailure(
      cli(
        dir,
        'pack',
        '--manifest',
        'bad-cap.json',
        '--code',
        'ta.js',
        '--key',
        'keys/ta-signing.key.pem',
        '--out',
        'x.ovta',
      ),
      /^openvse ta pack: TEE_ERROR_BAD_PARAMETERS: .*capability "net" is unknown/,
    );
    writeFileSync(join(dir, 'hash.json'), JSON.stringify({ ...MANIFEST, codeSha256: '0'.repeat(64) }));
    assertCleanFailure(
      cli(
        dir,
        'pack',
        '--manifest',
        'hash.json',
        '--code',
        'ta.js',
        '--key',
        'keys/ta-signing.key.pem',
        '--out',
        'x.ovta',
      ),
      /codeSha256/,
    );
    writeFileSync(join(dir, 'notjson.json'), '{ uuid: ');
    assertCleanFailure(
      cli(
        dir,
        'pack',
        '--manifest',
        'notjson.json',
        '--code',
        'ta.js',
        '--key',
        'keys/ta-signing.key.pem',
        '--out',
        'x.ovta',
      ),
      /not valid JSON/,
    );
    assertCleanFailure(
      cli(
        dir,
        'pack',
        '--manifest',
        'manifest.json',
        '--code',
        'ta.js',
        '--key',
        'keys/ta-signing.pub.pem',
        '--out',
        'x.ovta',
      ),
      /private key/,
    );
    assertCleanFailure(
      cli(dir, 'pack', '--manifest', 'manifest.json', '--code', 'ta.js', '--out', 'x.ovta'),
      /--key/,
    );
    assert.throws(() => statSync(join(dir, 'x.ovta')));
  });
});
