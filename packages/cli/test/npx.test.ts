/**
 * `npx openvse` after `npm ci`: npm links the @openvse/cli package's `bin` into the workspace's
 * node_modules/.bin at install time, before the TypeScript build exists, so the bin is a file kept
 * in git (bin/openvse.js, executable) that runs the build. Checked here: the link exists and
 * points at it, the file is executable, and `npx openvse --help` and `--version` answer from the
 * repository root.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const packageDir = fileURLToPath(new URL('../..', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../..', import.meta.url));
const bin = (
  JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { bin: Record<string, string> }
).bin.openvse!;

describe('npx openvse', () => {
  it('the bin is a file in git, executable, and linked by npm into node_modules/.bin', () => {
    const file = join(packageDir, bin);
    assert.equal(bin, './bin/openvse.js');
    assert.ok((statSync(file).mode & 0o111) !== 0, `${file} is not executable`);
    assert.equal(realpathSync(join(repoRoot, 'node_modules/.bin/openvse')), realpathSync(file));
  });

  it('answers --help and --version from the repository root', () => {
    const help = spawnSync('npx', ['--no-install', 'openvse', '--help'], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /^Usage: openvse /m);
    assert.match(help.stdout, /\bserver\b/);
    const version = spawnSync('npx', ['--no-install', 'openvse', '--version'], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(version.status, 0, version.stderr);
    assert.match(version.stdout.trim(), /^\d+\.\d+\.\d+$/);
  });
});
