/**
 * A TA's identity is (UUID, signer key id): the storage namespace and the version floor derived
 * from it (ta-package/identity.ts, docs/ta-packages.md "Identity and updates").
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TeeResult, VosError } from '@openvse/protocol';
import { checkNamespaceName } from '../../src/storage/validate.js';
import { bundleSignerKeyId, taIdentityKey, taStorageNamespace } from '../../src/ta-package/identity.js';
import {
  generateTaSigningKeyPair,
  packTa,
  type TaManifest,
  VersionFloor,
} from '../../src/ta-package/index.js';
import { CODE, MANIFEST, SIGNER } from './fixtures.js';

const OTHER = generateTaSigningKeyPair();
const UUID = MANIFEST.uuid;
const OTHER_UUID = '0b6f2a3c-9d8e-4f7a-8b1c-2d3e4f5a6b7c';
const isBadParams = (e: unknown) => e instanceof VosError && e.result === TeeResult.ERROR_BAD_PARAMETERS;

describe('taStorageNamespace', () => {
  test('is a ta:<UUIDv8> the sealed store accepts, fixed per (uuid, signer), never the bare uuid', () => {
    const ns = taStorageNamespace(UUID, SIGNER.keyId);
    assert.match(ns, /^ta:[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(checkNamespaceName(ns), ns);
    assert.equal(taStorageNamespace(UUID, SIGNER.keyId), ns, 'deterministic');
    assert.notEqual(ns, `ta:${UUID}`);
    const all = new Set([
      ns,
      taStorageNamespace(UUID, OTHER.keyId),
      taStorageNamespace(OTHER_UUID, SIGNER.keyId),
      taStorageNamespace(OTHER_UUID, OTHER.keyId),
    ]);
    assert.equal(all.size, 4, 'another signer or another uuid is another namespace');
  });

  test('is pinned to its derivation (a change would orphan every TA store)', () => {
    // SHA-256("openvse/ta-storage-namespace/v1" ‖ 00 ‖ uuid ‖ key id bytes)[0..16], version 8,
    // variant 10; the expected value was computed independently (Python hashlib).
    const keyId = Buffer.alloc(32, 0x11).toString('base64url');
    assert.equal(taStorageNamespace(UUID, keyId), 'ta:652cbf16-ef87-8911-9a03-ec65321ad292');
  });

  test('refuses a bad uuid or key id', () => {
    const ones = Buffer.alloc(32, 0x11).toString('base64url'); // ends in 'E': its 2 spare bits are 0
    assert.equal(ones.at(-1), 'E');
    for (const [uuid, keyId] of [
      [UUID.toUpperCase(), SIGNER.keyId],
      ['not-a-uuid', SIGNER.keyId],
      [UUID, ''],
      [UUID, SIGNER.keyId.slice(1)],
      [UUID, `${SIGNER.keyId}A`],
      [UUID, `${ones.slice(0, 42)}+`],
      [UUID, `${ones.slice(0, 42)}F`], // same bytes, not the canonical text
      [UUID, 42],
    ] as Array<[string, string]>) {
      assert.throws(() => taStorageNamespace(uuid, keyId), isBadParams, `${uuid} / ${String(keyId)}`);
      assert.throws(() => taIdentityKey(uuid, keyId), isBadParams);
    }
  });
});

describe('bundleSignerKeyId', () => {
  test("names the key that signed the bundle, as verifyTaBundle's signerKeyId", () => {
    assert.equal(
      bundleSignerKeyId(packTa({ manifest: MANIFEST, code: CODE }, SIGNER.privateKeyPem)),
      SIGNER.keyId,
    );
    assert.equal(
      bundleSignerKeyId(packTa({ manifest: MANIFEST, code: CODE }, OTHER.privateKeyPem)),
      OTHER.keyId,
    );
  });
});

describe('VersionFloor per (uuid, signer)', () => {
  const m = (version: string): TaManifest =>
    ({ ...MANIFEST, version, codeSha256: '0'.repeat(64) }) as TaManifest;

  test("one signer's floor does not bind another's; without a signer the key is the uuid", async () => {
    const map = new Map<string, string>();
    const floor = new VersionFloor({
      get: async (k) => map.get(k),
      set: async (k, v) => {
        map.set(k, v);
      },
    });
    await floor.raise(m('5.0.0'), SIGNER.keyId);
    assert.deepEqual([...map.keys()], [taIdentityKey(UUID, SIGNER.keyId)]);
    assert.equal(taIdentityKey(UUID, SIGNER.keyId), `${UUID}:${SIGNER.keyId}`);
    await assert.rejects(
      floor.check(m('4.9.9'), SIGNER.keyId),
      (e: unknown) => e instanceof VosError && e.result === TeeResult.ERROR_SECURITY,
    );
    await floor.check(m('1.0.0'), OTHER.keyId);
    await floor.check(m('1.0.0'));
    await floor.raise(m('1.0.0'));
    assert.equal(map.get(UUID), '1.0.0');
    await assert.rejects(floor.check(m('1.0.0'), 'bad key id'), isBadParams);
  });
});
