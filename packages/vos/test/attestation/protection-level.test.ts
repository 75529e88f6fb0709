/** Truth table of computeProtectionLevel (docs/threat-model.md "Protection levels"). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeProtectionLevel, type PermissionModelState } from '../../src/attestation/index.js';

const DENY_KEYS = ['inspector', 'childProcess', 'addons', 'wasi', 'procSelfMem'] as const;

function state(active: boolean, allowed: readonly (typeof DENY_KEYS)[number][] = []): PermissionModelState {
  const denies = Object.fromEntries(
    DENY_KEYS.map((k) => [k, !allowed.includes(k)]),
  ) as PermissionModelState['denies'];
  return { active, denies };
}

test('full truth table over active × each deny × threats × hardware root', () => {
  let rows = 0;
  for (const active of [false, true]) {
    for (let mask = 0; mask < 1 << DENY_KEYS.length; mask++) {
      const allowed = DENY_KEYS.filter((_, i) => mask & (1 << i));
      for (const threatFlags of [[], ['debugger.attached'], ['a', 'b']]) {
        for (const hardwareRoot of [false, true]) {
          const got = computeProtectionLevel({
            permissionModel: state(active, allowed),
            threatFlags,
            hardwareRoot,
          });
          const l1 = active && allowed.length === 0 && threatFlags.length === 0;
          const want = !l1 ? 'L0' : hardwareRoot ? 'L2' : 'L1';
          assert.equal(got, want, JSON.stringify({ active, allowed, threatFlags, hardwareRoot }));
          rows++;
        }
      }
    }
  }
  assert.equal(rows, 2 * 32 * 3 * 2);
});

test('named rows', () => {
  const none = state(false, DENY_KEYS);
  assert.equal(computeProtectionLevel({ permissionModel: none, threatFlags: [], hardwareRoot: true }), 'L0');
  assert.equal(
    computeProtectionLevel({ permissionModel: state(true), threatFlags: [], hardwareRoot: false }),
    'L1',
  );
  assert.equal(
    computeProtectionLevel({ permissionModel: state(true), threatFlags: [], hardwareRoot: true }),
    'L2',
  );
  // `--allow-fs-read=*` leaves /proc/self/mem readable: not L1.
  assert.equal(
    computeProtectionLevel({
      permissionModel: state(true, ['procSelfMem']),
      threatFlags: [],
      hardwareRoot: true,
    }),
    'L0',
  );
  assert.equal(
    computeProtectionLevel({ permissionModel: state(true), threatFlags: ['root'], hardwareRoot: true }),
    'L0',
  );
});

test('truthy-but-not-true deny values and malformed input never raise the level', () => {
  const sloppy = {
    active: true,
    denies: { inspector: 1, childProcess: 'yes', addons: true, wasi: true, procSelfMem: true },
  };
  assert.equal(
    computeProtectionLevel({
      permissionModel: sloppy as unknown as PermissionModelState,
      threatFlags: [],
      hardwareRoot: true,
    }),
    'L0',
  );
  assert.equal(
    computeProtectionLevel({
      permissionModel: { active: true } as unknown as PermissionModelState,
      threatFlags: [],
      hardwareRoot: true,
    }),
    'L0',
  );
  assert.equal(
    computeProtectionLevel({
      permissionModel: state(true),
      threatFlags: [],
      hardwareRoot: 'yes' as unknown as boolean,
    }),
    'L1',
  );
  assert.throws(() =>
    computeProtectionLevel({
      permissionModel: state(true),
      threatFlags: 'none' as unknown as string[],
      hardwareRoot: false,
    }),
  );
});
