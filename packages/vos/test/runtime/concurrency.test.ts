/**
 * Concurrency at the boundary: many sessions and commands at once, each caller gets exactly its
 * own result (request ids, no shared mutable state), and commands to one TA are serialised even
 * when the TA awaits storage (GP: one entry point call at a time per single-instance TA).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startVos, TeeResult, type VosClient } from '../../src/index.js';
import { bundle, signer, tempDir } from './fixture.js';

const TA_A = 'cccccccc-0000-4000-8000-00000000000a';
const TA_B = 'cccccccc-0000-4000-8000-00000000000b';

// cmd 1: out = f(in) where f differs per TA; memref echoed with a TA tag.
// cmd 2: async, checks no other command of this TA runs meanwhile.
const code = (tag: number) => `
let busy = false;
async function TA_InvokeCommandEntryPoint(s, cmd, params) {
  if (cmd === 1) {
    params[1].a = (params[0].a * 3 + ${tag}) >>> 0;
    params[1].b = params[0].b;
    const d = params[2].data;
    const out = new Uint8Array(d.length + 1); out.set(d); out[d.length] = ${tag};
    params[3].data = out;
    return;
  }
  if (cmd === 2) {
    if (busy) return TEE.ERROR_ACCESS_CONFLICT;
    busy = true;
    try {
      await storage.write('n' + (params[0].a % 4), Uint8Array.of(params[0].a & 255));
      await storage.read('n' + (params[0].a % 4));
      params[1].a = params[0].a; params[1].b = ${tag};
    } finally { busy = false; }
    return;
  }
  return TEE.ERROR_NOT_SUPPORTED;
}`;

describe('V-OS concurrency', () => {
  let vos: VosClient;
  before(async () => {
    vos = await startVos({ dataDir: tempDir(), pinnedTaKeys: [signer.publicKeyPem] });
    await vos.installTa(bundle({ uuid: TA_A, code: code(0xa), capabilities: ['storage'] }));
    await vos.installTa(bundle({ uuid: TA_B, code: code(0xb), capabilities: ['storage'] }));
  });
  after(async () => {
    await vos.shutdown();
  });

  it('50 concurrent invokes across 3 sessions of 2 TAs each get their own result', async () => {
    const sessions = [
      { s: await vos.openSession(TA_A), tag: 0xa },
      { s: await vos.openSession(TA_B), tag: 0xb },
      { s: await vos.openSession(TA_A), tag: 0xa },
    ];
    const calls = Array.from({ length: 50 }, (_, i) => {
      const { s, tag } = sessions[i % 3]!;
      const a = (i * 7919 + 13) >>> 0;
      const data = Uint8Array.from({ length: (i % 17) + 1 }, (_, j) => (i + j) & 255);
      return s
        .invoke(1, [
          { type: 'value', a, b: i },
          { type: 'value', dir: 'out' },
          { type: 'memref', data },
          { type: 'memref', dir: 'out', size: 64 },
        ])
        .then((r) => ({ r, i, a, tag, data }));
    });
    const results = await Promise.all(calls);
    for (const { r, i, a, tag, data } of results) {
      assert.equal(r.result, TeeResult.SUCCESS);
      assert.deepEqual(r.params[1], { type: 'value', a: (a * 3 + tag) >>> 0, b: i });
      const expected = new Uint8Array(data.length + 1);
      expected.set(data);
      expected[data.length] = tag;
      assert.deepEqual(r.params[3], { type: 'memref', data: expected, size: expected.length });
    }
    for (const { s } of sessions) await s.close();
  });

  it('serialises commands to one TA even across awaits', async () => {
    const s1 = await vos.openSession(TA_A);
    const s2 = await vos.openSession(TA_A);
    const s3 = await vos.openSession(TA_B);
    const calls = Array.from({ length: 30 }, (_, i) =>
      [s1, s2, s3][i % 3]!.invoke(2, [
        { type: 'value', a: i, b: 0 },
        { type: 'value', dir: 'out' },
      ]),
    );
    const results = await Promise.all(calls);
    results.forEach((r, i) => {
      assert.equal(r.result, TeeResult.SUCCESS, `call ${i}`);
      assert.deepEqual(r.params[1], { type: 'value', a: i, b: i % 3 === 2 ? 0xb : 0xa });
    });
    await Promise.all([s1.close(), s2.close(), s3.close()]);
  });

  it('opens and closes many sessions concurrently', async () => {
    const opened = await Promise.all(
      Array.from({ length: 20 }, (_, i) => vos.openSession(i % 2 ? TA_A : TA_B)),
    );
    const rs = await Promise.all(
      opened.map((s) =>
        s.invoke(1, [
          { type: 'value', a: 1, b: 2 },
          { type: 'value', dir: 'out' },
          { type: 'memref', data: new Uint8Array(1) },
          { type: 'memref', dir: 'out', size: 2 },
        ]),
      ),
    );
    assert.ok(rs.every((r) => r.result === TeeResult.SUCCESS));
    await Promise.all(opened.map((s) => s.close()));
    assert.equal((await vos.status()).openSessions, 0);
  });
});
