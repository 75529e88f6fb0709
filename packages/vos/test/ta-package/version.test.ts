/** compareVersions and the per-UUID VersionFloor (OP-TEE ta_ver.db anti-rollback). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TeeResult, VosError } from '@openvse/protocol';
import {
  compareVersions,
  packTa,
  type TaManifest,
  VersionFloor,
  verifyTaBundle,
} from '../../src/ta-package/index.js';
import { CODE, MANIFEST, SIGNER } from './fixtures.js';

function memoryStore(initial: Record<string, string> = {}) {
  const map = new Map(Object.entries(initial));
  const writes: Array<[string, string]> = [];
  return {
    map,
    writes,
    async get(uuid: string) {
      await new Promise((r) => setImmediate(r));
      return map.get(uuid);
    },
    async set(uuid: string, version: string) {
      await new Promise((r) => setImmediate(r));
      writes.push([uuid, version]);
      map.set(uuid, version);
    },
  };
}

const UUID = MANIFEST.uuid;
const OTHER_UUID = '0b6f2a3c-9d8e-4f7a-8b1c-2d3e4f5a6b7c';
const m = (version: string, uuid = UUID): TaManifest => ({
  ...MANIFEST,
  uuid,
  version,
  codeSha256: '0'.repeat(64),
});

async function rejectsWith(p: Promise<unknown>, result: number): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof VosError && e.result === result);
}

describe('compareVersions', () => {
  test('orders numerically, component by component', () => {
    const cases: Array<[string, string, number]> = [
      ['1.0.0', '1.0.0', 0],
      ['1.0.0', '1.0.1', -1],
      ['1.10.0', '1.9.9', 1],
      ['2.0.0', '10.0.0', -1],
      ['0.0.1', '0.0.0', 1],
      ['4294967295.0.0', '4294967294.9.9', 1],
    ];
    for (const [a, b, want] of cases) {
      assert.equal(compareVersions(a, b), want, `${a} vs ${b}`);
      assert.equal(compareVersions(b, a), -want || 0, `${b} vs ${a}`);
    }
  });

  test('refuses anything but strict x.y.z', () => {
    for (const bad of ['1.0', '1.0.0-rc1', '01.0.0', '', 'a.b.c', '4294967296.0.0']) {
      assert.throws(
        () => compareVersions(bad, '1.0.0'),
        (e: unknown) => e instanceof VosError && e.result === TeeResult.ERROR_BAD_PARAMETERS,
      );
    }
  });
});

describe('VersionFloor', () => {
  test('no floor: anything passes; raise then refuses older, accepts equal and newer', async () => {
    const store = memoryStore();
    const floor = new VersionFloor(store);
    await floor.check(m('1.0.0'));
    await floor.raise(m('1.2.3'));
    assert.equal(store.map.get(UUID), '1.2.3');
    await rejectsWith(floor.check(m('1.2.2')), TeeResult.ERROR_SECURITY);
    await rejectsWith(floor.check(m('0.9.9')), TeeResult.ERROR_SECURITY);
    await floor.check(m('1.2.3'));
    await floor.check(m('1.10.0'));
    await floor.check(m('0.1.0', OTHER_UUID));
  });

  test('a real bundle that is older than the installed floor is refused', async () => {
    const floor = new VersionFloor(memoryStore({ [UUID]: '2.0.0' }));
    const old = verifyTaBundle(
      packTa({ manifest: { ...MANIFEST, version: '1.9.9' }, code: CODE }, SIGNER.privateKeyPem),
      [SIGNER.publicKeyPem],
    );
    await rejectsWith(floor.check(old.manifest), TeeResult.ERROR_SECURITY);
  });

  test('raise never lowers the floor, even with concurrent raises', async () => {
    const store = memoryStore();
    const floor = new VersionFloor(store);
    await Promise.all([floor.raise(m('2.0.0')), floor.raise(m('1.5.0')), floor.raise(m('1.9.0'))]);
    assert.equal(store.map.get(UUID), '2.0.0');
    await floor.raise(m('1.0.0'));
    assert.equal(store.map.get(UUID), '2.0.0');
    assert.deepEqual(store.writes, [[UUID, '2.0.0']]);
  });

  test('a corrupt stored floor fails closed (TEE_ERROR_CORRUPT_OBJECT), not as "no floor"', async () => {
    const floor = new VersionFloor(memoryStore({ [UUID]: 'garbage' }));
    await rejectsWith(floor.check(m('9.9.9')), TeeResult.ERROR_CORRUPT_OBJECT);
    await rejectsWith(floor.raise(m('9.9.9')), TeeResult.ERROR_CORRUPT_OBJECT);
  });

  test('store errors propagate and do not wedge the queue', async () => {
    let fail = true;
    const floor = new VersionFloor({
      async get() {
        if (fail) throw new Error('disk');
        return undefined;
      },
      async set() {},
    });
    await assert.rejects(floor.check(m('1.0.0')), /disk/);
    fail = false;
    await floor.check(m('1.0.0'));
  });

  test('bad arguments are TEE_ERROR_BAD_PARAMETERS', async () => {
    assert.throws(
      () => new VersionFloor({} as never),
      (e: unknown) => e instanceof VosError && e.result === TeeResult.ERROR_BAD_PARAMETERS,
    );
    const floor = new VersionFloor(memoryStore());
    await rejectsWith(floor.check(m('1.0')), TeeResult.ERROR_BAD_PARAMETERS);
    await rejectsWith(floor.raise(m('1.0.0', 'NOT-A-UUID')), TeeResult.ERROR_BAD_PARAMETERS);
  });
});
