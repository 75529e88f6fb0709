/**
 * The GP-shaped client API (GP TEE Client API v1.0 §4.5): frozen objects, parameter checks at the
 * boundary (TEE_ERROR_BAD_PARAMETERS, origin API), result codes and origins for TA outcomes,
 * output memrefs and SHORT_BUFFER, sessions after close, unknown TAs, manifest command lists.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  startVos,
  TeeOrigin,
  TeeResult,
  type VosClient,
  VosError,
  type VosSession,
} from '../../src/index.js';
import { bundle, signer, tempDir } from './fixture.js';

const ECHO = '11111111-1111-4111-8111-111111111111';
const ECHO_CODE = `
function TA_OpenSessionEntryPoint() { return { n: 0 }; }
function TA_InvokeCommandEntryPoint(s, cmd, params, types) {
  switch (cmd) {
    case 0: return; // empty
    case 1: // echo: value in → value out (a+1, b+1); memref in → memref out reversed
      if (types !== TEE.PARAM_TYPES(TEE.PARAM_TYPE_VALUE_INPUT, TEE.PARAM_TYPE_VALUE_OUTPUT, TEE.PARAM_TYPE_MEMREF_INPUT, TEE.PARAM_TYPE_MEMREF_OUTPUT)) return TEE.ERROR_BAD_PARAMETERS;
      params[1].a = (params[0].a + 1) >>> 0; params[1].b = (params[0].b + 1) >>> 0;
      params[3].data = params[2].data.slice().reverse();
      return;
    case 2: throw new Error('boom');
    case 3: throw new TeeError(TEE.ERROR_SECURITY, 'nope');
    case 4: return TEE.ERROR_ACCESS_DENIED;
    case 5: throw { code: 0xffff3071 };
    case 6: params[0].data = new Uint8Array(10); return; // output larger than capacity
    case 7: s.n++; params[0].a = s.n; params[0].b = 0; return;
    case 8: params[0].data[0] ^= 0xff; params[0].data = params[0].data.slice(); return; // inout
    case 9: params[0].a = -5; params[0].b = 1; return;
    case 10: return new Promise((r) => r(TEE.ERROR_BUSY));
    case 11: Promise.reject(new Error('dangling')); return; // an unhandled rejection must not kill V-OS
    case 12: params[0].data.fill(0); return; // wipes its (private) copy of the input
  }
  return TEE.ERROR_NOT_SUPPORTED;
}`;

describe('V-OS client API', () => {
  let vos: VosClient;
  let s: VosSession;
  const dataDir = tempDir();
  before(async () => {
    vos = await startVos({ dataDir, pinnedTaKeys: [signer.publicKeyPem] });
    await vos.installTa(bundle({ uuid: ECHO, code: ECHO_CODE }));
    s = await vos.openSession(ECHO);
  });
  after(async () => {
    await vos.shutdown();
  });

  it('hands out frozen objects that expose nothing but methods', () => {
    assert.ok(Object.isFrozen(vos));
    assert.ok(Object.isFrozen(s));
    assert.deepEqual(Object.keys(vos).sort(), [
      'attest',
      'installTa',
      'openSession',
      'reportThreats',
      'shutdown',
      'signDeviceReport',
      'signDeviceRequest',
      'status',
    ]);
    assert.deepEqual(Object.keys(s).sort(), ['close', 'invoke', 'taUuid']);
    for (const v of Object.values(vos)) {
      assert.equal(typeof v, 'function');
      assert.ok(Object.isFrozen(v));
    }
    assert.equal(Object.getPrototypeOf(vos), Object.prototype);
  });

  it('runs an empty command', async () => {
    const r = await s.invoke(0, []);
    assert.equal(r.result, TeeResult.SUCCESS);
    assert.equal(r.origin, TeeOrigin.TRUSTED_APP);
    assert.equal(r.params.length, 4);
  });

  it('copies value and memref params in and outputs back', async () => {
    const data = Uint8Array.of(1, 2, 3);
    const r = await s.invoke(1, [
      { type: 'value', a: 0xfffffffe, b: 7 },
      { type: 'value', dir: 'out' },
      { type: 'memref', data },
      { type: 'memref', dir: 'out', size: 3 },
    ]);
    assert.equal(r.result, TeeResult.SUCCESS);
    assert.deepEqual(r.params[1], { type: 'value', a: 0xffffffff, b: 8 });
    assert.deepEqual(r.params[3], { type: 'memref', data: Uint8Array.of(3, 2, 1), size: 3 });
    assert.deepEqual(r.params[0], { type: 'none' });
    assert.deepEqual(data, Uint8Array.of(1, 2, 3));
  });

  it('refuses malformed params with BAD_PARAMETERS, origin API', async () => {
    const cases: unknown[] = [
      'x',
      [1],
      [{ type: 'value', a: 1 }],
      [{ type: 'value', a: -1, b: 0 }],
      [{ type: 'value', a: 1.5, b: 0 }],
      [{ type: 'value', a: 2 ** 32, b: 0 }],
      [{ type: 'value', a: '1', b: 0 }],
      [{ type: 'value', a: 1n, b: 0 }],
      [{ type: 'value', dir: 'sideways', a: 1, b: 1 }],
      [{ type: 'value', dir: 'out', a: 1 }],
      [{ type: 'memref', data: [1, 2, 3] }],
      [{ type: 'memref', data: new Uint16Array(2) }],
      [{ type: 'memref', data: new ArrayBuffer(4) }],
      [{ type: 'memref', data: new Proxy(new Uint8Array(4), {}) }],
      [{ type: 'memref', data: Buffer.alloc(2).buffer }],
      [{ type: 'memref', dir: 'out' }],
      [{ type: 'memref', data: new Uint8Array(1), size: 4 }],
      [{ type: 'memref', dir: 'inout', data: new Uint8Array(4), size: 2 }],
      [{ type: 'memref', data: new Uint8Array(1024 * 1024 + 1) }],
      [{ type: 'bogus' }],
      [{ type: 'none' }, { type: 'none' }, { type: 'none' }, { type: 'none' }, { type: 'none' }],
    ];
    for (const params of cases) {
      const r = await s.invoke(1, params as never);
      assert.equal(r.result, TeeResult.ERROR_BAD_PARAMETERS, `case ${cases.indexOf(params)}`);
      assert.equal(r.origin, TeeOrigin.API);
    }
    for (const cmd of [-1, 1.5, 2 ** 32, Number.NaN, '1']) {
      const r = await s.invoke(cmd as never, []);
      assert.equal(r.result, TeeResult.ERROR_BAD_PARAMETERS);
      assert.equal(r.origin, TeeOrigin.API);
    }
  });

  it('reports TA outcomes with origin TRUSTED_APP', async () => {
    const r2 = await s.invoke(2, []);
    assert.equal(r2.result, TeeResult.ERROR_GENERIC);
    assert.equal(r2.origin, TeeOrigin.TRUSTED_APP);
    assert.equal((await s.invoke(3, [])).result, TeeResult.ERROR_SECURITY);
    assert.equal((await s.invoke(4, [])).result, TeeResult.ERROR_ACCESS_DENIED);
    assert.equal((await s.invoke(5, [])).result, TeeResult.ERROR_MAC_INVALID);
    assert.equal((await s.invoke(10, [])).result, TeeResult.ERROR_BUSY);
    assert.equal((await s.invoke(99, [])).result, TeeResult.ERROR_NOT_SUPPORTED);
    // and the TA is still alive
    assert.equal((await s.invoke(0, [])).result, TeeResult.SUCCESS);
  });

  it('survives a TA that leaves an unhandled rejection behind', async () => {
    assert.equal((await s.invoke(11, [])).result, TeeResult.SUCCESS);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal((await s.invoke(0, [])).result, TeeResult.SUCCESS);
    const data = Uint8Array.of(9, 9, 9);
    assert.equal((await s.invoke(12, [{ type: 'memref', data }])).result, TeeResult.SUCCESS);
    assert.deepEqual(data, Uint8Array.of(9, 9, 9), "the caller's buffer is never the TA's");
  });

  it('gives SHORT_BUFFER with the needed size when an output does not fit', async () => {
    const r = await s.invoke(6, [{ type: 'memref', dir: 'out', size: 4 }]);
    assert.equal(r.result, TeeResult.ERROR_SHORT_BUFFER);
    assert.equal(r.params[0]?.type, 'memref');
    assert.equal((r.params[0] as { size: number }).size, 10);
  });

  it('returns inout memrefs and refuses bad TA outputs', async () => {
    const r = await s.invoke(8, [{ type: 'memref', dir: 'inout', data: Uint8Array.of(0, 1) }]);
    assert.deepEqual(r.params[0], { type: 'memref', data: Uint8Array.of(0xff, 1), size: 2 });
    const bad = await s.invoke(9, [{ type: 'value', dir: 'out' }]);
    assert.equal(bad.result, TeeResult.ERROR_BAD_FORMAT);
  });

  it('keeps a session context per session', async () => {
    const s2 = await vos.openSession(ECHO);
    const out = [{ type: 'value', dir: 'out' }] as const;
    await s.invoke(7, [...out]);
    await s.invoke(7, [...out]);
    const a = await s.invoke(7, [...out]);
    const b = await s2.invoke(7, [...out]);
    assert.equal((a.params[0] as { a: number }).a, 3);
    assert.equal((b.params[0] as { a: number }).a, 1);
    await s2.close();
    const c = await s2.invoke(0, []);
    assert.equal(c.result, TeeResult.ERROR_BAD_STATE);
    assert.equal(c.origin, TeeOrigin.API);
  });

  it('rejects unknown TAs and bad uuids with VosError', async () => {
    await assert.rejects(vos.openSession('22222222-2222-4222-8222-222222222222'), (e: unknown) => {
      assert.ok(e instanceof VosError);
      assert.equal(e.result, TeeResult.ERROR_ITEM_NOT_FOUND);
      return true;
    });
    await assert.rejects(
      vos.openSession('not-a-uuid'),
      (e: unknown) => e instanceof VosError && e.origin === TeeOrigin.API,
    );
  });

  it('enforces the manifest command list', async () => {
    const uuid = '33333333-3333-4333-8333-333333333333';
    await vos.installTa(bundle({ uuid, code: ECHO_CODE, commands: { EMPTY: 0 } }));
    const s3 = await vos.openSession(uuid);
    assert.equal((await s3.invoke(0, [])).result, TeeResult.SUCCESS);
    const r = await s3.invoke(4, []);
    assert.equal(r.result, TeeResult.ERROR_NOT_SUPPORTED);
    assert.equal(r.origin, TeeOrigin.TEE);
    await s3.close();
  });

  it('reports status', async () => {
    const st = await vos.status();
    assert.equal(st.vosVersion, '0.1.0');
    assert.equal(typeof st.stateCounter, 'bigint');
    assert.ok(['L0', 'L1', 'L2'].includes(st.protectionLevel));
    assert.equal(st.rootOfTrust.kind, 'keyfile');
    assert.ok(st.installedTas.some((t) => t.uuid === ECHO));
  });

  it('lowers the level when V-Guard reports a threat', async () => {
    await vos.reportThreats(['debugger']);
    const st = await vos.status();
    assert.equal(st.protectionLevel, 'L0');
    assert.deepEqual(st.threatFlags, ['debugger']);
  });
});
