/**
 * `openvse run` (docs/process-boundary.md), as a user runs it: the built CLI starts V-OS in its
 * own process and the app confined beside it; the app sees L1 and its exit code is the command's;
 * bad invocations are one line and exit 2.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generateTaSigningKeyPair } from '@openvse/vos';

const MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));
const APP = fileURLToPath(new URL('./fixtures/level-app.js', import.meta.url));
const REPO = fileURLToPath(new URL('../../../../', import.meta.url)).replace(/\/$/, '');
const dir = mkdtempSync(join(tmpdir(), 'openvse-run-'));
const pub = join(dir, 'ta.pub.pem');
writeFileSync(pub, generateTaSigningKeyPair().publicKeyPem);
after(() => rmSync(dir, { recursive: true, force: true }));

function cli(...args: string[]) {
  return spawnSync(process.execPath, [MAIN, 'run', ...args], { encoding: 'utf8', timeout: 60_000 });
}

describe('openvse run', () => {
  it('starts V-OS beside a confined app: the app sees L1, its exit code comes through', () => {
    const r = cli('--data-dir', join(dir, 'vos'), '--pin-ta-key', pub, '--allow-read', REPO, '--', APP);
    assert.equal(r.status, 3, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}');
    assert.equal(out.level, 'L1');
    assert.deepEqual(out.isolation, { mode: 'process', appConfined: true, separateUser: false });
  });
  it('refuses bad invocations with one line and exit code 2', () => {
    for (const [args, msg] of [
      [['--data-dir', dir, '--', APP], /--pin-ta-key is required/],
      [['--data-dir', dir, '--pin-ta-key', join(dir, 'none.pem'), '--', APP], /cannot read/],
      [['--data-dir', dir, '--pin-ta-key', pub, '--vos-user', 'x', '--', APP], /go together/],
    ] as const) {
      const r = cli(...args);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, msg);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
  });
});
