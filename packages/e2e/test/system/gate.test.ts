/**
 * The system gate (packages/e2e/src/system-gate.ts; docs/testing.md "System components"): a test
 * that skips with the SYSTEM tag is reported loudly and leaves the run green, unless
 * OPENVSE_REQUIRE_SYSTEM=1, where the same run fails; an untagged skip never fails a run. Each
 * case runs node's test runner on a scratch test file with the gate as reporter, as
 * scripts/run-tests.mjs does.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const gate = fileURLToPath(new URL('../../src/system-gate.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'openvse-gate-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function run(body: string, requireSystem: boolean): { status: number | null; stderr: string } {
  const file = join(dir, `case-${Math.random().toString(16).slice(2)}.test.mjs`);
  writeFileSync(file, `import { test } from 'node:test';\n${body}\n`);
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  if (requireSystem) env.OPENVSE_REQUIRE_SYSTEM = '1';
  else delete env.OPENVSE_REQUIRE_SYSTEM;
  const r = spawnSync(
    process.execPath,
    ['--test', `--test-reporter=${gate}`, '--test-reporter-destination=stderr', file],
    { env, encoding: 'utf8' },
  );
  return { status: r.status, stderr: r.stderr };
}

const TAGGED = `test('needs a reader', (t) => { t.skip('SYSTEM: pcscd is not running'); });`;
const TAGGED_SUITE = `import { describe } from 'node:test';
describe('browser suite', { skip: 'SYSTEM: chromium is not installed' }, () => { test('x', () => {}); });`;
const UNTAGGED = `test('needs root', (t) => { t.skip('not running as root'); });`;

describe('system gate', () => {
  it('a SYSTEM skip is loud and the run passes by default', () => {
    const r = run(TAGGED, false);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /SKIPPED needs a reader: pcscd is not running/);
  });
  it('under OPENVSE_REQUIRE_SYSTEM=1 the same run fails, naming what is missing', () => {
    const r = run(TAGGED, true);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /FAILED \(OPENVSE_REQUIRE_SYSTEM=1\): needs a reader: pcscd is not running/);
  });
  it('a skipped suite counts too', () => {
    const r = run(TAGGED_SUITE, true);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /chromium is not installed/);
  });
  it('an untagged skip never fails a run', () => {
    assert.equal(run(UNTAGGED, true).status, 0);
    assert.equal(run(UNTAGGED, false).status, 0);
  });
});
