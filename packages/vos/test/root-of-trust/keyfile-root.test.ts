/**
 * Key-file root of trust: first-boot creation, determinism, device binding (a copied folder
 * refuses to open under another identity), corruption, label checks and zeroing on close.
 */
import assert from 'node:assert/strict';
import { cp, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { TeeResult } from '@openvse/protocol';
import { defaultDeviceIdentity, KEY_FILE_NAME, openKeyFileRoot } from '../../src/root-of-trust/index.js';
import { rejectsVos, tempDir } from '../storage/fixtures.js';

describe('key-file root of trust', () => {
  test('creates a wrapped root key at first boot and derives the same keys after reopening', async () => {
    const d = await tempDir();
    try {
      const r1 = await openKeyFileRoot({ dir: d.path, deviceIdentity: 'dev-A' });
      const k1 = await r1.deriveKey('ta:11111111-2222-3333-4444-555555555555');
      const k2 = await r1.deriveKey('vos:system');
      assert.equal(k1.length, 32);
      assert.notDeepEqual(k1, k2);
      assert.deepEqual(r1.describe(), {
        kind: 'keyfile',
        hardwareBacked: false,
        anchor: false,
        deviceId: r1.describe().deviceId,
      });
      assert.equal(r1.anchor, undefined);
      await r1.close();
      const file = await readFile(join(d.path, KEY_FILE_NAME));
      assert.equal(file.length, 116);
      assert.equal((await stat(join(d.path, KEY_FILE_NAME))).mode & 0o777, 0o600);
      const r2 = await openKeyFileRoot({ dir: d.path, deviceIdentity: 'dev-A' });
      assert.deepEqual(await r2.deriveKey('ta:11111111-2222-3333-4444-555555555555'), k1);
      await r2.close();
    } finally {
      await d.cleanup();
    }
  });

  test('two roots in two folders have independent keys', async () => {
    const a = await tempDir();
    const b = await tempDir();
    try {
      const ra = await openKeyFileRoot({ dir: a.path, deviceIdentity: 'dev' });
      const rb = await openKeyFileRoot({ dir: b.path, deviceIdentity: 'dev' });
      assert.notDeepEqual(await ra.deriveKey('vos:system'), await rb.deriveKey('vos:system'));
      await ra.close();
      await rb.close();
    } finally {
      await a.cleanup();
      await b.cleanup();
    }
  });

  test('concurrent first boots agree on one root key', async () => {
    const d = await tempDir();
    try {
      const roots = await Promise.all(
        [1, 2, 3, 4].map(() => openKeyFileRoot({ dir: d.path, deviceIdentity: 'dev' })),
      );
      const keys = await Promise.all(roots.map((r) => r.deriveKey('vos:system')));
      for (const k of keys) assert.deepEqual(k, keys[0]);
      await Promise.all(roots.map((r) => r.close()));
    } finally {
      await d.cleanup();
    }
  });

  test('a folder copied to another device identity does not open', async () => {
    const d = await tempDir();
    const copy = await tempDir();
    try {
      const r = await openKeyFileRoot({ dir: d.path, deviceIdentity: 'phone-1' });
      await r.close();
      await cp(d.path, copy.path, { recursive: true });
      await rejectsVos(
        () => openKeyFileRoot({ dir: copy.path, deviceIdentity: 'phone-2' }),
        TeeResult.ERROR_SECURITY,
        /bound to another device/,
      );
      // The original identity still opens the copy (the binding is to identity, not to a path).
      const again = await openKeyFileRoot({ dir: copy.path, deviceIdentity: 'phone-1' });
      await again.close();
    } finally {
      await d.cleanup();
      await copy.cleanup();
    }
  });

  test('a damaged key file is refused, never replaced', async () => {
    const d = await tempDir();
    try {
      const r = await openKeyFileRoot({ dir: d.path, deviceIdentity: 'dev' });
      await r.close();
      const path = join(d.path, KEY_FILE_NAME);
      const good = await readFile(path);
      for (let i = 0; i < good.length; i++) {
        const bad = Buffer.from(good);
        bad[i] = (bad[i] ?? 0) ^ (1 << (i % 8));
        await writeFile(path, bad);
        const e = await rejectsVos(
          () => openKeyFileRoot({ dir: d.path, deviceIdentity: 'dev' }),
          i >= 8 && i < 56 ? TeeResult.ERROR_SECURITY : TeeResult.ERROR_CORRUPT_OBJECT,
        );
        assert.ok(!/[0-9a-f]{32}/.test(e.message), 'no key bytes in messages');
      }
      await writeFile(path, good.subarray(0, 100));
      await rejectsVos(
        () => openKeyFileRoot({ dir: d.path, deviceIdentity: 'dev' }),
        TeeResult.ERROR_CORRUPT_OBJECT,
      );
      await writeFile(path, Buffer.concat([good, Buffer.from([0])]));
      await rejectsVos(
        () => openKeyFileRoot({ dir: d.path, deviceIdentity: 'dev' }),
        TeeResult.ERROR_CORRUPT_OBJECT,
      );
      assert.deepEqual(await readFile(path), Buffer.concat([good, Buffer.from([0])]), 'file left as found');
    } finally {
      await d.cleanup();
    }
  });

  test('labels are checked and a closed root refuses to derive', async () => {
    const d = await tempDir();
    try {
      const r = await openKeyFileRoot({ dir: d.path, deviceIdentity: 'dev' });
      await rejectsVos(() => r.deriveKey(''), TeeResult.ERROR_BAD_PARAMETERS);
      await rejectsVos(() => r.deriveKey('x'.repeat(257)), TeeResult.ERROR_BAD_PARAMETERS);
      await rejectsVos(() => r.deriveKey('a\0b'), TeeResult.ERROR_BAD_PARAMETERS);
      await rejectsVos(() => r.deriveKey('\ud800'), TeeResult.ERROR_BAD_PARAMETERS);
      await rejectsVos(() => r.deriveKey(42 as unknown as string), TeeResult.ERROR_BAD_PARAMETERS);
      await r.close();
      await rejectsVos(() => r.deriveKey('vos:system'), TeeResult.ERROR_BAD_STATE);
      await rejectsVos(
        () => openKeyFileRoot({ dir: d.path, deviceIdentity: '' }),
        TeeResult.ERROR_BAD_PARAMETERS,
      );
    } finally {
      await d.cleanup();
    }
  });

  test('defaultDeviceIdentity is a stable hash, not the raw machine id', async () => {
    const id = defaultDeviceIdentity();
    assert.match(id, /^[0-9a-f]{64}$/);
    assert.equal(defaultDeviceIdentity(), id);
    const raw = await readFile('/etc/machine-id', 'utf8').catch(() => '');
    if (raw.trim()) assert.ok(!id.includes(raw.trim()));
  });
});
