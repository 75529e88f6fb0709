/**
 * Attack 10: a TA stuck in `for(;;){}` is stopped by the watchdog within its deadline: the call
 * returns TEE_ERROR_TARGET_DEAD (GP TEE Client API v1.0 §4.4.2, OP-TEE tee_ta_manager.c after a
 * panic), the worker is restarted (worker.terminate(), Node.js docs "Worker threads"), every
 * session opened before is dead, new sessions work, and sealed storage is intact. A TA whose
 * promise never settles is ended by the worker itself (only that TA dies), and commands merely
 * queued behind a busy TA are not mistaken for a stuck worker.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startVos, TeeOrigin, TeeResult, type VosClient } from '../../src/index.js';
import { bundle, runScript, SCRIPT_TA_CODE, signer, tempDir } from '../runtime/fixture.js';

const LOOPER = 'bbbbbbbb-0000-4000-8000-000000000001';
const KEEPER = 'bbbbbbbb-0000-4000-8000-000000000002';
const SPINNER = 'bbbbbbbb-0000-4000-8000-000000000003';
const DEADLINE_MS = 300;
// Scheduling on a loaded 2-core machine: terminate() itself is ~10 ms.
const MARGIN_MS = 1500;

const LOOP_CODE = `
function TA_InvokeCommandEntryPoint(s, cmd) {
  if (cmd === 0) return;
  if (cmd === 1) for (;;) {}
  if (cmd === 2) return new Promise(() => {});
}`;

describe('attack 10: stuck TA and watchdog', () => {
  let vos: VosClient;
  before(async () => {
    vos = await startVos({ dataDir: tempDir(), pinnedTaKeys: [signer.publicKeyPem], commandTimeoutMs: 5000 });
    await vos.installTa(bundle({ uuid: LOOPER, code: LOOP_CODE, timeoutMs: DEADLINE_MS }));
    await vos.installTa(
      bundle({ uuid: KEEPER, code: SCRIPT_TA_CODE, capabilities: ['storage', 'keys', 'crypto.tdes'] }),
    );
    await vos.installTa(
      bundle({
        uuid: SPINNER,
        capabilities: ['clock'],
        timeoutMs: DEADLINE_MS,
        code: `function TA_InvokeCommandEntryPoint() { const end = clock.monotonic() + 80; while (clock.monotonic() < end) {} }`,
      }),
    );
  });
  after(async () => {
    await vos.shutdown();
  });

  it('stops for(;;){} within the deadline by restarting the worker; new sessions work', async () => {
    const keeper = await vos.openSession(KEEPER);
    const stored = await runScript(
      keeper,
      `await storage.write('note', bytes('still here'));
       const h = keys.generate('DES3', ['mac']); await keys.persist(h, 'k'); return hex(keys.kcv(h));`,
    );
    assert.equal(stored.ok, true);
    const looper = await vos.openSession(LOOPER);
    assert.equal((await looper.invoke(0, [])).result, TeeResult.SUCCESS);

    const t0 = performance.now();
    const r = await looper.invoke(1, []);
    const took = performance.now() - t0;
    assert.equal(r.result, TeeResult.ERROR_TARGET_DEAD);
    assert.equal(r.origin, TeeOrigin.TEE);
    assert.ok(took >= DEADLINE_MS - 5, `returned after ${took} ms, before the deadline`);
    assert.ok(took < DEADLINE_MS + MARGIN_MS, `returned after ${took} ms`);

    // The worker was restarted: sessions opened before are dead, for every TA.
    assert.equal((await looper.invoke(0, [])).result, TeeResult.ERROR_TARGET_DEAD);
    assert.equal((await keeper.invoke(0, [])).result, TeeResult.ERROR_TARGET_DEAD);

    // New sessions work, and storage and persistent keys survived.
    const fresh = await vos.openSession(LOOPER);
    assert.equal((await fresh.invoke(0, [])).result, TeeResult.SUCCESS);
    const keeper2 = await vos.openSession(KEEPER);
    const back = await runScript(
      keeper2,
      `const d = await storage.read('note'); return [utf8(d), hex(keys.kcv(await keys.load('k')))];`,
    );
    assert.deepEqual(back.value, ['still here', stored.value]);
    await Promise.all([fresh.close(), keeper2.close(), looper.close(), keeper.close()]);
  });

  it('ends only the TA whose promise never settles; the others keep running', async () => {
    const keeper = await vos.openSession(KEEPER);
    assert.equal((await runScript(keeper, `state.x = 42; return 1;`)).value, 1);
    const looper = await vos.openSession(LOOPER);
    const looper2 = await vos.openSession(LOOPER);
    const t0 = performance.now();
    const r = await looper.invoke(2, []);
    const took = performance.now() - t0;
    assert.equal(r.result, TeeResult.ERROR_TARGET_DEAD);
    assert.equal(r.origin, TeeOrigin.TEE);
    assert.ok(took >= DEADLINE_MS - 5 && took < DEADLINE_MS + MARGIN_MS, `returned after ${took} ms`);
    // That TA instance is dead for all its sessions (GP panic)…
    assert.equal((await looper2.invoke(0, [])).result, TeeResult.ERROR_TARGET_DEAD);
    // …but the worker was not restarted: another TA kept its in-memory state.
    assert.equal((await runScript(keeper, `return state.x;`)).value, 42);
    const fresh = await vos.openSession(LOOPER);
    assert.equal((await fresh.invoke(0, [])).result, TeeResult.SUCCESS);
    await Promise.all([fresh.close(), looper.close(), looper2.close(), keeper.close()]);
  });

  it('does not fire for commands queued behind a busy but progressing TA', async () => {
    // Eight 80 ms commands to one TA take 640 ms in all, past its 300 ms deadline, yet each
    // is well inside it once it starts: none may be killed.
    const s = await vos.openSession(SPINNER);
    const t0 = performance.now();
    const rs = await Promise.all(Array.from({ length: 8 }, () => s.invoke(0, [])));
    assert.ok(performance.now() - t0 > DEADLINE_MS, 'the queue took longer than one deadline');
    assert.deepEqual(
      rs.map((r) => r.result),
      Array(8).fill(TeeResult.SUCCESS),
    );
    await s.close();
  });

  it('keeps installed TAs across restarts', async () => {
    const st = await vos.status();
    assert.deepEqual(st.installedTas.map((t) => t.uuid).sort(), [LOOPER, KEEPER, SPINNER].sort());
  });
});
