/**
 * A REAL check of detectPermissionModel on this Node (20.x): spawn children under different flags
 * and read what the detection reports. Findings recorded in docs/attestation.md:
 * `--allow-fs-read=*` turns the model on but leaves /proc/self/mem readable, so it is L0;
 * a read list that leaves /proc out gives L1.
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { detectPermissionModel } from '../../src/attestation/index.js';

const SCRIPT = fileURLToPath(new URL('./fixtures/print-permission.js', import.meta.url));
// The package root (…/packages/vos) and the repo's node_modules must be readable for imports.
const REPO_ROOT = fileURLToPath(new URL('../../../../../', import.meta.url)).replace(/\/$/, '');

type Report = {
  where: string;
  permissionModel: ReturnType<typeof detectPermissionModel>;
  level: string;
};

function run(flags: string[], args: string[] = []): Report {
  const r = spawnSync(process.execPath, ['--no-warnings', ...flags, SCRIPT, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '' },
    timeout: 20_000,
  });
  assert.equal(r.status, 0, `child failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim()) as Report;
}

const ALL_DENIED = { inspector: true, childProcess: true, addons: true, wasi: true, procSelfMem: true };
const PERM = ['--experimental-permission', `--allow-fs-read=${REPO_ROOT}`];

describe('detectPermissionModel in real child processes', () => {
  test('plain node: inactive, L0', () => {
    const r = run([]);
    assert.equal(r.permissionModel.active, false);
    assert.equal(r.level, 'L0');
  });

  test('--experimental-permission --allow-fs-read=* --allow-worker: active, all denied but /proc/self/mem, L0', () => {
    const r = run(['--experimental-permission', '--allow-fs-read=*', '--allow-worker']);
    assert.deepEqual(r.permissionModel, { active: true, denies: { ...ALL_DENIED, procSelfMem: false } });
    assert.equal(r.level, 'L0');
  });

  test('--experimental-permission --allow-fs-read=<repo> --allow-worker: everything denied, L1', () => {
    const r = run([...PERM, '--allow-worker']);
    assert.deepEqual(r.permissionModel, { active: true, denies: ALL_DENIED });
    assert.equal(r.level, 'L1');
  });

  test('the same inside a worker_threads Worker (where V-OS runs): L1', () => {
    const r = run([...PERM, '--allow-worker'], ['--worker']);
    assert.equal(r.where, 'worker');
    assert.deepEqual(r.permissionModel, { active: true, denies: ALL_DENIED });
    assert.equal(r.level, 'L1');
  });

  test('each --allow-* flag is seen and drops the level to L0', () => {
    const cases: Array<[string, keyof typeof ALL_DENIED]> = [
      ['--allow-child-process', 'childProcess'],
      ['--allow-addons', 'addons'],
      ['--allow-wasi', 'wasi'],
      ['--allow-fs-read=/proc', 'procSelfMem'],
    ];
    for (const [flag, key] of cases) {
      const r = run([...PERM, flag]);
      assert.deepEqual(r.permissionModel, { active: true, denies: { ...ALL_DENIED, [key]: false } }, flag);
      assert.equal(r.level, 'L0', flag);
    }
  });

  test('--no-addons alone does not make the permission model active', () => {
    const r = run(['--no-addons']);
    assert.equal(r.permissionModel.active, false);
    assert.equal(r.permissionModel.denies.addons, true);
    assert.equal(r.level, 'L0');
  });

  test('this test process (no permission model) reports inactive', () => {
    assert.equal(detectPermissionModel().active, false);
  });
});
