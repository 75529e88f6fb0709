/**
 * `openvse ta keygen|pack|verify`, run as a user runs them: spawning the built CLI
 * (packages/cli/dist/src/main.js) in a scratch directory. Failures are one line
 * `openvse ta <cmd>: ERR_…: …` (docs/cli.md), with an optional `  hint:` line. `pack` refuses code
 * V-OS would not load, naming the line (checkTaCode of @openvse/vos); a TA it packs installs and
 * runs in V-OS.
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startVos } from '@openvse/vos';

const MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));

function cli(cwd: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, 'ta', ...args], { cwd, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function assertCleanFailure(
  r: { status: number | null; stderr: string },
  pattern: RegExp,
  status: 1 | 2 = 2,
): void {
  assert.equal(r.status, status, r.stderr);
  const [first = '', ...rest] = r.stderr.trimEnd().split('\n');
  assert.match(first, /^openvse ta (keygen|pack|verify): ERR_[A-Z_]+: /, r.stderr);
  assert.match(first, pattern);
  assert.ok(rest.length === 0 || (rest.length === 1 && rest[0]!.startsWith('  hint: ')), r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}

const MANIFEST = {
  uuid: '6e1c2c8a-7b5e-4d1f-9a53-0c1d2e3f4a5b',
  name: 'Echo TA',
  version: '1.0.0',
  capabilities: ['log', 'random'],
  commands: { echo: 1 },
};
const CODE = [
  "'use strict';",
  'function TA_InvokeCommandEntryPoint(session, cmd, params) {',
  '  if (cmd !== 1) return TEE.ERROR_NOT_SUPPORTED;',
  '  params[1].data = params[0].data.slice().reverse();',
  '}',
  '',
].join('\n');

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
      /^openvse ta verify: ERR_TA_REFUSED: TEE_ERROR_SECURITY: .*not pinned/,
      1,
    );
    const bundle = readFileSync(join(dir, 'echo.ovta'));
    bundle[bundle.length - 100]! ^= 1;
    writeFileSync(join(dir, 'altered.ovta'), bundle);
    assertCleanFailure(
      cli(dir, 'verify', '--bundle', 'altered.ovta', '--pub', 'keys/ta-signing.pub.pem'),
      /ERR_TA_REFUSED: TEE_ERROR_SECURITY: .*signature/,
      1,
    );
    writeFileSync(join(dir, 'junk.ovta'), 'hello');
    assertCleanFailure(
      cli(dir, 'verify', '--bundle', 'junk.ovta', '--pub', 'keys/ta-signing.pub.pem'),
      /ERR_TA_BUNDLE_MALFORMED: TEE_ERROR_BAD_FORMAT/,
      1,
    );
    assertCleanFailure(
      cli(dir, 'verify', '--bundle', 'missing.ovta', '--pub', 'keys/ta-signing.pub.pem'),
      /ERR_FILE_UNREADABLE: cannot read bundle missing\.ovta \(ENOENT\)/,
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
      /^openvse ta pack: ERR_TA_BAD_INPUT: TEE_ERROR_BAD_PARAMETERS: .*capability "net" is unknown/,
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
      /ERR_MISSING_OPTION: .*--key/,
    );
    assert.throws(() => statSync(join(dir, 'x.ovta')));
  });

  const pack = (code: string) =>
    cli(
      dir,
      'pack',
      '--manifest',
      'manifest.json',
      '--code',
      code,
      '--key',
      'keys/ta-signing.key.pem',
      '--out',
      'bad.ovta',
    );
  const IM = 'im' + 'port';

  test('pack refuses code V-OS would not load, naming the file and the line, and writes nothing', () => {
    const cases: Array<[string, string, RegExp]> = [
      [
        'syntax.js',
        `${CODE}function broken() {\n  return (1 +;\n}\n`,
        /^openvse ta pack: ERR_TA_CODE_WONT_LOAD: syntax\.js:7: SyntaxError: Unexpected token ';' \[syntax\]$/,
      ],
      [
        'dynamic-import.js',
        `${CODE}function later() {\n  return ${IM}('node:fs');\n}\n`,
        /^openvse ta pack: ERR_TA_CODE_WONT_LOAD: dynamic-import\.js:7: Possible import expression rejected \(SES_IMPORT_REJECTED\) \[import-expression\]$/,
      ],
      [
        'html-comment.js',
        `const a = 1;\nconst b = a <!--b;\n${CODE}`,
        /^openvse ta pack: ERR_TA_CODE_WONT_LOAD: html-comment\.js:2: Possible HTML comment rejected \(SES_HTML_COMMENT_REJECTED\) \[html-comment\]$/,
      ],
      [
        'no-entry.js',
        'function invoke() {}\n',
        /ERR_TA_CODE_WONT_LOAD: no-entry\.js: no TA_InvokeCommandEntryPoint/,
      ],
      [
        'require.js',
        `const fs = require('node:fs');\n${CODE}`,
        /ERR_TA_CODE_WONT_LOAD: require\.js:1: require\(…\)/,
      ],
    ];
    for (const [file, code, pattern] of cases) {
      writeFileSync(join(dir, file), code);
      const r = pack(file);
      assertCleanFailure(r, pattern, 2);
      assert.match(r.stderr, /\n {2}hint: .*V-OS refuses such code at install/, r.stderr);
      assert.throws(() => statSync(join(dir, 'bad.ovta')), `${file}: no bundle written`);
    }
    // Several problems: the first on the error line, the others in the hint.
    writeFileSync(join(dir, 'both.js'), `// ${IM}(\nconst x = 1; <!--\n${CODE}`);
    const both = pack('both.js');
    assertCleanFailure(both, /both\.js:1: .*SES_IMPORT_REJECTED/, 2);
    assert.match(both.stderr, /hint: also both\.js:2 \(html-comment\)/);
  });

  test('a TA that pack accepts installs and runs in V-OS', async () => {
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
      'run.ovta',
    );
    assert.equal(p.status, 0, p.stderr);
    const vos = await startVos({
      dataDir: join(dir, 'vos'),
      pinnedTaKeys: [readFileSync(join(dir, 'keys', 'ta-signing.pub.pem'), 'utf8')],
    });
    try {
      await vos.installTa(new Uint8Array(readFileSync(join(dir, 'run.ovta'))));
      const s = await vos.openSession(MANIFEST.uuid);
      const r = await s.invoke(1, [
        { type: 'memref', dir: 'in', data: Uint8Array.of(1, 2, 3) },
        { type: 'memref', dir: 'out', size: 3 },
      ]);
      assert.equal(r.result, 0, JSON.stringify(r));
      const out = r.params[1];
      assert.ok(out?.type === 'memref');
      assert.deepEqual([...out.data], [3, 2, 1]);
      await s.close();
    } finally {
      await vos.shutdown();
    }
  });
});
