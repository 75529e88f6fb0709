/**
 * RetryScheduler (src/wallet/retry-scheduler.ts), the wallet's offline retry timer
 * (docs/cbp-sdk.md "WalletSdk", Replenishment): base × 2^n capped, a forced delay not counted as
 * a failure, reset when the queue empties, one timer at a time, nothing scheduled once closed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RetryScheduler } from '../../src/wallet/retry-scheduler.js';

/** Resolves when `fired` has been called `n` times; fails after `ms` (and keeps the loop alive). */
function firedTimes(counter: { n: number }, n: number, ms = 2000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      if (counter.n >= n) {
        clearInterval(poll);
        resolve();
      } else if (Date.now() - started > ms) {
        clearInterval(poll);
        reject(new Error(`fired ${counter.n} times, expected ${n}`));
      }
    }, 2);
  });
}

describe('RetryScheduler', () => {
  it('doubles the delay per failure up to the cap; reset starts again from the base', () => {
    const s = new RetryScheduler({ baseMs: 1000, maxMs: 5000, onFire: () => {}, isClosed: () => true });
    assert.deepEqual(
      Array.from({ length: 5 }, () => s.schedule()),
      [1000, 2000, 4000, 5000, 5000],
    );
    assert.equal(s.failures, 5);
    s.reset();
    assert.equal(s.failures, 0);
    assert.equal(s.schedule(), 1000);
  });

  it('defaults: 1 s doubling, capped at 5 minutes; the failure count stops at 30', () => {
    const s = new RetryScheduler({ onFire: () => {}, isClosed: () => true });
    const delays = Array.from({ length: 40 }, () => s.schedule());
    assert.equal(delays[0], 1000);
    assert.equal(delays[8], 256_000);
    assert.equal(delays[9], 300_000);
    assert.equal(delays[39], 300_000);
    assert.equal(s.failures, 30);
  });

  it('a forced delay is used as given and does not count as a failure', () => {
    const s = new RetryScheduler({ baseMs: 100, onFire: () => {}, isClosed: () => true });
    assert.equal(s.schedule(0), 0);
    assert.equal(s.schedule(7), 7);
    assert.equal(s.failures, 0);
    assert.equal(s.schedule(), 100);
  });

  it('closed: answers the delay, sets no timer', () => {
    let fired = 0;
    const s = new RetryScheduler({ baseMs: 1, onFire: () => fired++, isClosed: () => true });
    s.schedule();
    assert.equal(s.pending, false);
    assert.equal(fired, 0);
  });

  it('fires once after the delay; a new schedule replaces the pending timer', async () => {
    const counter = { n: 0 };
    const s = new RetryScheduler({ baseMs: 1, onFire: () => counter.n++ });
    s.schedule(10_000);
    assert.equal(s.pending, true);
    s.schedule(1);
    await firedTimes(counter, 1);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(counter.n, 1, 'the replaced 10 s timer must not fire too');
    assert.equal(s.pending, false);
  });

  it('cancel clears the pending timer', async () => {
    let fired = 0;
    const s = new RetryScheduler({ baseMs: 5, onFire: () => fired++ });
    s.schedule();
    s.cancel();
    assert.equal(s.pending, false);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(fired, 0);
  });
});
