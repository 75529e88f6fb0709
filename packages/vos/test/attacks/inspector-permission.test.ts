/**
 * Attack 8: the in-process inspector against the EMBEDDED V-OS worker (docs/runtime-protection.md
 * §3; Node.js docs "Permissions"). The embedded mode is L0 by definition whatever flags the app
 * runs with (docs/threat-model.md "Protection levels": `--allow-worker`, which the embedded mode
 * needs, lets any app code start a worker without the permission model), and says so:
 *  - under Node's permission model with narrow reads, `new inspector.Session().connect()` fails
 *    with ERR_ACCESS_DENIED and nothing attaches to the worker — and V-OS still reports L0;
 *  - with `--allow-fs-read=*` the inspector is still denied: L0;
 *  - without the flag an inspector session attaches to the worker (NodeWorker domain) and finds
 *    the imported key in the worker heap: what L0 does not stop.
 * L1 and L2 need V-OS in its own process (packages/vos/test/process/). Each case runs in a child
 * process (compiled probe script).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { fsGrants, permissionFlag } from '../../src/launcher/node-flags.js';
import { tempDir } from '../runtime/fixture.js';

const probe = fileURLToPath(new URL('./inspector-probe.js', import.meta.url));
const repo = fileURLToPath(new URL('../../../../../', import.meta.url)).replace(/\/$/, '');

function runProbe(flags: (dataDir: string) => string[]): Record<string, unknown> {
  const dataDir = tempDir('vos-insp-');
  try {
    const r = spawnSync(process.execPath, [...flags(dataDir), probe, dataDir], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    const line = r.stdout.trim().split('\n').pop() ?? '';
    assert.ok(line.startsWith('{'), `probe output: ${r.stdout} ${r.stderr}`);
    return JSON.parse(line) as Record<string, unknown>;
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// The running Node's flag and directory-grant syntax (launcher/node-flags.ts: Node 20 wants
// `<dir>/*` and `--experimental-permission`, Node 24 the directory and `--permission`).
const permission =
  (readDirs: string[], readFiles: string[] = []) =>
  (dataDir: string) => [
    permissionFlag(),
    ...fsGrants(
      'read',
      readDirs.map((p) => p.replace('<data>', dataDir)),
    ),
    ...readFiles.map((f) => `--allow-fs-read=${f}`),
    ...fsGrants('write', [dataDir]),
    '--allow-worker',
    '--no-warnings',
  ];

/** Node 23+ refuses fsync under the permission model: embedded V-OS cannot seal its storage there. */
const FSYNC_REFUSED = Number(process.versions.node.split('.')[0]) >= 23;

/** On Node 23+: the inspector is still denied, and embedded V-OS refuses to start under the model. */
function assertNoEmbeddedVosUnderModel(out: Record<string, unknown>): void {
  assert.equal(out.connect, 'ERR_ACCESS_DENIED');
  assert.equal(typeof out.vosError, 'string', 'embedded V-OS started under the permission model');
  assert.equal(out.imported, undefined);
}

describe('attack 8: inspector and the permission model', () => {
  it('under the permission model (narrow reads) the inspector is denied; embedded V-OS reports L0', () => {
    const out = runProbe(permission([repo, '<data>'], ['/etc/machine-id', '/var/lib/dbus/machine-id']));
    assert.equal(out.error, undefined, String(out.error));
    if (FSYNC_REFUSED) return assertNoEmbeddedVosUnderModel(out);
    assert.equal(out.vosError, undefined, String(out.vosError));
    assert.equal(out.permission, true);
    assert.equal(out.imported, true);
    assert.equal(out.connect, 'ERR_ACCESS_DENIED');
    assert.equal(out.attachedToWorker, undefined, 'never attached');
    assert.equal(out.level, 'L0');
    assert.equal(out.attestedLevel, 'L0');
    assert.equal(out.isolation, 'embedded');
  });

  it('with --allow-fs-read=* the inspector is denied, but /proc/self/mem is readable: L0', () => {
    const out = runProbe(permission([], ['*']));
    assert.equal(out.error, undefined, String(out.error));
    if (FSYNC_REFUSED) return assertNoEmbeddedVosUnderModel(out);
    assert.equal(out.connect, 'ERR_ACCESS_DENIED');
    assert.equal(out.level, 'L0');
    assert.equal(out.attestedLevel, 'L0');
  });

  it('without it V-OS reports L0, and an inspector session CAN attach and read the worker heap', () => {
    const out = runProbe(() => []);
    assert.equal(out.error, undefined, String(out.error));
    assert.equal(out.level, 'L0');
    assert.equal(out.attestedLevel, 'L0');
    assert.equal(out.connect, 'connected');
    assert.equal(out.attachedToWorker, true);
    assert.equal(out.workerEval, 'function/true', 'code ran inside the locked-down V-OS worker');
    // The honest part: L0 does not stop this (docs/threat-model.md).
    assert.equal(out.inspectorReadKey, true, 'the inspector found the key in the worker heap');
  });
});
