/**
 * PKCS#11 root of trust on SoftHSM2 (attack list item 6): the root key is sensitive and
 * non-extractable and its value cannot be read; derivation happens in the token, is
 * deterministic per label and differs across labels and tokens; the anchor only goes up; a wrong
 * PIN, an unknown token and a planted exportable key are refused.
 * Without softhsm2 it skips with the SYSTEM tag (docs/testing.md "System components").
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TeeResult } from '@openvse/protocol';
import { DEFAULT_ROOT_KEY_LABEL, openPkcs11Root } from '../../src/root-of-trust/index.js';
import { acquirePkcs11Module, ckrOf, pkcs11Lib } from '../../src/root-of-trust/pkcs11-module.js';
import { makeSoftHsmToken, type SoftHsmToken, softHsmMissing } from '../helpers/softhsm.js';
import { requireSystem } from '../helpers/system.js';
import { rejectsVos } from '../storage/fixtures.js';

const SECOND = 'openvse-test-2';

describe('PKCS#11 root of trust (SoftHSM2)', () => {
  const missing = softHsmMissing();
  let tok: SoftHsmToken | undefined;
  before(async () => {
    if (missing) return;
    tok = await makeSoftHsmToken();
    await tok.addToken(SECOND); // all tokens exist before the first C_Initialize
    Object.assign(process.env, tok.env);
  });
  after(async () => {
    await tok?.cleanup();
  });
  const open = (over: { tokenLabel?: string; pin?: string; keyLabel?: string } = {}) => {
    const t = tok as SoftHsmToken;
    return openPkcs11Root({ module: t.module, tokenLabel: t.tokenLabel, pin: t.pin, ...over });
  };
  const need = (t: Parameters<typeof requireSystem>[2]) =>
    requireSystem(missing ?? 'softhsm2', missing === null, t);

  test('the root key is sensitive, non-extractable, and its value cannot be read', async (t) => {
    if (!need(t)) return;
    const root = await open();
    const pk = pkcs11Lib();
    const mod = acquirePkcs11Module((tok as SoftHsmToken).module);
    try {
      assert.equal(root.kind, 'pkcs11');
      assert.equal(root.hardwareBacked, false, 'SoftHSM is not hardware');
      assert.deepEqual(
        { ...root.describe(), deviceId: '' },
        { kind: 'pkcs11', hardwareBacked: false, anchor: true, deviceId: '' },
      );
      const p11 = mod.p11;
      const slot = p11
        .C_GetSlotList(true)
        .find((s) => p11.C_GetTokenInfo(s).label.trim() === (tok as SoftHsmToken).tokenLabel);
      assert.ok(slot);
      const session = p11.C_OpenSession(slot, pk.CKF_SERIAL_SESSION);
      try {
        try {
          p11.C_Login(session, pk.CKU_USER, (tok as SoftHsmToken).pin);
        } catch (e) {
          assert.equal(ckrOf(e), pk.CKR_USER_ALREADY_LOGGED_IN);
        }
        p11.C_FindObjectsInit(session, [
          { type: pk.CKA_CLASS, value: pk.CKO_SECRET_KEY },
          { type: pk.CKA_LABEL, value: DEFAULT_ROOT_KEY_LABEL },
        ]);
        const keys = p11.C_FindObjects(session, 10);
        p11.C_FindObjectsFinal(session);
        assert.equal(keys.length, 1);
        const key = keys[0] as Buffer;
        const attrs = p11.C_GetAttributeValue(session, key, [
          { type: pk.CKA_SENSITIVE },
          { type: pk.CKA_EXTRACTABLE },
          { type: pk.CKA_ALWAYS_SENSITIVE },
          { type: pk.CKA_NEVER_EXTRACTABLE },
          { type: pk.CKA_TOKEN },
          { type: pk.CKA_SIGN },
          { type: pk.CKA_DERIVE },
          { type: pk.CKA_ENCRYPT },
          { type: pk.CKA_KEY_TYPE },
        ]);
        const b = (i: number) => attrs[i]?.value[0] !== 0;
        assert.equal(b(0), true, 'CKA_SENSITIVE');
        assert.equal(b(1), false, 'CKA_EXTRACTABLE');
        assert.equal(b(2), true, 'CKA_ALWAYS_SENSITIVE');
        assert.equal(b(3), true, 'CKA_NEVER_EXTRACTABLE');
        assert.equal(b(4), true, 'CKA_TOKEN');
        assert.equal(b(5), true, 'CKA_SIGN');
        assert.equal(b(6), false, 'CKA_DERIVE');
        assert.equal(b(7), false, 'CKA_ENCRYPT');
        assert.equal(attrs[8]?.value.readUInt32LE(0), pk.CKK_GENERIC_SECRET);
        assert.throws(
          () => p11.C_GetAttributeValue(session, key, [{ type: pk.CKA_VALUE }]),
          (e: unknown) => ckrOf(e) === pk.CKR_ATTRIBUTE_SENSITIVE,
        );
        // The attributes cannot be relaxed through the API either.
        assert.throws(() =>
          p11.C_SetAttributeValue(session, key, [{ type: pk.CKA_EXTRACTABLE, value: true }]),
        );
      } finally {
        p11.C_CloseSession(session);
      }
    } finally {
      mod.release();
      await root.close();
    }
  });

  test('derivation: deterministic per label, different across labels, reopen and tokens', async (t) => {
    if (!need(t)) return;
    const root = await open();
    const k1 = await root.deriveKey('ta:11111111-2222-3333-4444-555555555555');
    assert.equal(k1.length, 32);
    assert.deepEqual(await root.deriveKey('ta:11111111-2222-3333-4444-555555555555'), k1);
    assert.notDeepEqual(await root.deriveKey('ta:11111111-2222-3333-4444-555555555556'), k1);
    assert.notDeepEqual(await root.deriveKey('vos:system'), k1);
    await rejectsVos(() => root.deriveKey(''), TeeResult.ERROR_BAD_PARAMETERS);
    // A second root on the same token in the same process (shared login) sees the same key.
    const same = await open();
    assert.deepEqual(await same.deriveKey('ta:11111111-2222-3333-4444-555555555555'), k1);
    await same.close();
    // Another key label: another key.
    const otherKey = await open({ keyLabel: 'second-root' });
    assert.notDeepEqual(await otherKey.deriveKey('ta:11111111-2222-3333-4444-555555555555'), k1);
    await otherKey.close();
    // Another token: another key.
    const second = await open({ tokenLabel: SECOND });
    assert.notDeepEqual(await second.deriveKey('ta:11111111-2222-3333-4444-555555555555'), k1);
    await second.close();
    await root.close();
    await rejectsVos(() => root.deriveKey('vos:system'), TeeResult.ERROR_BAD_STATE);
    // After every holder closed (C_Finalize), a fresh C_Initialize finds the same persistent key.
    const reopened = await open();
    assert.deepEqual(await reopened.deriveKey('ta:11111111-2222-3333-4444-555555555555'), k1);
    await reopened.close();
  });

  test('the anchor only goes up and persists in the token', async (t) => {
    if (!need(t)) return;
    const root = await open({ keyLabel: 'anchor-test' });
    const anchor = root.anchor;
    assert.ok(anchor);
    assert.equal(await anchor.read(), 0n);
    await anchor.advance(5n);
    await anchor.advance(5n);
    await rejectsVos(() => anchor.advance(4n), TeeResult.ERROR_SECURITY);
    await rejectsVos(() => anchor.advance(-1n), TeeResult.ERROR_BAD_PARAMETERS);
    await rejectsVos(() => anchor.advance(1n << 64n), TeeResult.ERROR_BAD_PARAMETERS);
    await anchor.advance((1n << 64n) - 1n);
    assert.equal(await anchor.read(), (1n << 64n) - 1n);
    await root.close();
    const again = await open({ keyLabel: 'anchor-test' });
    assert.equal(await again.anchor?.read(), (1n << 64n) - 1n);
    const fresh = await open({ keyLabel: 'anchor-test-2' });
    assert.equal(await fresh.anchor?.read(), 0n, 'one anchor per key label');
    await fresh.close();
    await again.close();
  });

  test('wrong PIN, unknown token and a planted exportable key are refused', async (t) => {
    if (!need(t)) return;
    const e = await rejectsVos(() => open({ pin: '9999' }), TeeResult.ERROR_ACCESS_DENIED);
    assert.ok(!e.message.includes('9999'), 'no PIN in messages');
    await rejectsVos(() => open({ tokenLabel: 'no-such-token' }), TeeResult.ERROR_ITEM_NOT_FOUND);
    // While another root holds the login, a wrong PIN is still refused.
    const holder = await open();
    await rejectsVos(() => open({ pin: '0000' }), TeeResult.ERROR_ACCESS_DENIED);
    // Plant an extractable generic secret under a label and ask for it as the root key.
    const pk = pkcs11Lib();
    const mod = acquirePkcs11Module((tok as SoftHsmToken).module);
    const slot = mod.p11
      .C_GetSlotList(true)
      .find((s) => mod.p11.C_GetTokenInfo(s).label.trim() === (tok as SoftHsmToken).tokenLabel) as Buffer;
    const session = mod.p11.C_OpenSession(slot, pk.CKF_SERIAL_SESSION | pk.CKF_RW_SESSION);
    mod.p11.C_CreateObject(session, [
      { type: pk.CKA_CLASS, value: pk.CKO_SECRET_KEY },
      { type: pk.CKA_KEY_TYPE, value: pk.CKK_GENERIC_SECRET },
      { type: pk.CKA_TOKEN, value: true },
      { type: pk.CKA_PRIVATE, value: true },
      { type: pk.CKA_SENSITIVE, value: false },
      { type: pk.CKA_EXTRACTABLE, value: true },
      { type: pk.CKA_SIGN, value: true },
      { type: pk.CKA_LABEL, value: 'planted' },
      { type: pk.CKA_VALUE, value: Buffer.alloc(32, 7) },
    ]);
    mod.p11.C_CloseSession(session);
    mod.release();
    await rejectsVos(() => open({ keyLabel: 'planted' }), TeeResult.ERROR_SECURITY, /exportable/);
    await holder.close();
  });
});
