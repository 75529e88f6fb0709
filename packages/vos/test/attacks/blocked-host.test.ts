/**
 * Attack: the app blocks its own event loop so that the embedded mode's watchdog (which runs in
 * the app's main thread) sees "no answer" past a deadline and restarts a healthy worker — a
 * healthy command would then be answered TEE_ERROR_TARGET_DEAD. The watchdog judges the secure
 * world by its own heartbeat and delivers replies already sent before it decides
 * (host/worker-link.ts), so nothing is restarted: both commands succeed, in the same session.
 * (In process mode the watchdog is not in the app at all: test/process/boundary.test.ts.)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startVos, TeeResult } from '../../src/index.js';
import { bundle, signer, tempDir } from '../runtime/fixture.js';

const TA = 'bbbbbbbb-0000-4000-8000-0000000000b1';
const DEADLINE_MS = 100;

describe('attack: a blocked app event loop', () => {
  it('restarts no healthy worker (embedded mode)', async () => {
    const vos = await startVos({ dataDir: tempDir(), pinnedTaKeys: [signer.publicKeyPem] });
    try {
      await vos.installTa(
        bundle({
          uuid: TA,
          timeoutMs: DEADLINE_MS,
          code: 'function TA_InvokeCommandEntryPoint(s, cmd, p) { p[0].a = p[0].a + 1; }',
        }),
      );
      const s = await vos.openSession(TA);
      // The app keeps its main thread busy for ten deadlines while a command is in flight, from a
      // setImmediate or a timer callback: after it the event loop may reach its timers phase (the
      // watchdog's timer, overdue by now) before the poll phase reads the worker's reply. Five
      // rounds of each, the same session throughout.
      let value = 1;
      for (const schedule of [
        setImmediate,
        setImmediate,
        setImmediate,
        setImmediate,
        setImmediate,
        setTimeout,
        setTimeout,
        setTimeout,
      ]) {
        const pending = s.invoke(0, [{ type: 'value', dir: 'inout', a: value, b: 0 }]);
        await new Promise<void>((resolve) =>
          (schedule as (fn: () => void) => unknown)(() => {
            const until = Date.now() + 10 * DEADLINE_MS;
            while (Date.now() < until) {
              /* blocked */
            }
            resolve();
          }),
        );
        const r = await pending;
        assert.equal(r.result, TeeResult.SUCCESS, 'the healthy command was not declared dead');
        assert.equal(
          r.params[0]?.type === 'value' ? r.params[0].a : -1,
          value + 1,
          'same worker, same session',
        );
        value += 1;
      }
    } finally {
      await vos.shutdown();
    }
  });
});
