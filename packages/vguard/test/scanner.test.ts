/**
 * The scanner with injected detectors: report shape and order, appear/clear notifications,
 * verdict, DETECTOR_FAILED, serialised scans, unref'd periodic timer.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createGuard, type Detector, type Threat, type ThreatChange } from '../src/index.js';
import { threat } from '../src/threat.js';

function switchable(
  code: 'DEBUGGER_ATTACHED' | 'CONTAINER' | 'CORE_DUMP_ENABLED',
): Detector & { on: boolean } {
  const d = {
    id: `fake-${code}`,
    on: false,
    detect: (): Threat[] => (d.on ? [threat(code, { fake: true }, new Date())] : []),
  };
  return d;
}

describe('scanner', () => {
  test('reports, de-duplicated appear/clear notifications, verdict', async () => {
    const dbg = switchable('DEBUGGER_ATTACHED');
    const env = switchable('CONTAINER');
    const changes: ThreatChange[] = [];
    const guard = createGuard({
      detectors: [dbg, env],
      onThreat: (c) => changes.push(c),
      signalGuard: false,
    });
    assert.deepEqual(
      guard.verdict(),
      { clean: false, highest: null, codes: [] },
      'no scan yet: not known clean',
    );

    const r1 = await guard.scan('start');
    assert.equal(r1.clean, true);
    assert.deepEqual(r1.threats, []);
    assert.deepEqual(guard.verdict(), { clean: true, highest: null, codes: [] });

    dbg.on = true;
    env.on = true;
    const r2 = await guard.scan('periodic');
    assert.deepEqual(
      r2.threats.map((t) => t.code),
      ['CONTAINER', 'DEBUGGER_ATTACHED'],
    );
    assert.equal(r2.clean, false);
    assert.deepEqual(guard.verdict(), {
      clean: false,
      highest: 'critical',
      codes: ['CONTAINER', 'DEBUGGER_ATTACHED'],
    });
    assert.deepEqual(
      changes.map((c) => `${c.kind}:${c.code}`),
      ['appeared:CONTAINER', 'appeared:DEBUGGER_ATTACHED'],
    );

    await guard.scan('payment');
    assert.equal(changes.length, 2, 'a persisting threat is not notified again');

    dbg.on = false;
    const r4 = await guard.scan('periodic');
    assert.equal(r4.clean, true, 'environment-only threats keep the scan clean');
    assert.deepEqual(
      changes.slice(2).map((c) => `${c.kind}:${c.code}`),
      ['cleared:DEBUGGER_ATTACHED'],
    );
    assert.equal(changes[2]!.firstSeenAt, changes[1]!.at);
    assert.equal(guard.lastReport, r4);
    assert.deepEqual(
      [r1, r2, r4].map((r) => r.scanId.split('-')[2]),
      ['1', '2', '4'],
    );
    assert.deepEqual(JSON.parse(JSON.stringify(r4)), r4, 'JSON-serialisable');
  });

  test('a throwing detector → DETECTOR_FAILED, the other detectors still run', async () => {
    const boom: Detector = {
      id: 'boom',
      detect: () => {
        throw new RangeError('nope');
      },
    };
    const core = switchable('CORE_DUMP_ENABLED');
    core.on = true;
    const guard = createGuard({ detectors: [boom, core], signalGuard: false });
    const r = await guard.scan('start');
    assert.deepEqual(
      r.threats.map((t) => [t.code, t.evidence]),
      [
        ['CORE_DUMP_ENABLED', { fake: true }],
        ['DETECTOR_FAILED', { detector: 'boom', error: 'RangeError' }],
      ],
    );
  });

  test('concurrent scans are serialised; start() polls with an unref timer; stop() stops it', async () => {
    let running = 0;
    let maxRunning = 0;
    const slow: Detector = {
      id: 'slow',
      async detect() {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((r) => setTimeout(r, 10));
        running--;
        return [];
      },
    };
    const guard = createGuard({ detectors: [slow], intervalMs: 20, signalGuard: false });
    await Promise.all([guard.scan('start'), guard.scan('payment'), guard.scan('payment')]);
    assert.equal(maxRunning, 1);
    guard.start();
    const until = Date.now() + 5_000;
    while (guard.lastReport?.reason !== 'periodic' && Date.now() < until)
      await new Promise((r) => setTimeout(r, 10));
    guard.stop();
    assert.equal(guard.lastReport?.reason, 'periodic', 'periodic scans ran');
    // Whatever was in flight when stop() ran is done after this scan (scans are serialised).
    const marker = await guard.scan('payment');
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(guard.lastReport, marker, 'no periodic scan after stop()');
  });

  test('clock: noteServerTime feeds later scans; a wall-clock step back against monotonic time is reported', async () => {
    let wall = 1_000_000;
    let mono = 0;
    const guard = createGuard({
      detectors: [],
      signalGuard: false,
      clock: { nowMs: () => wall, monotonicMs: () => mono },
    });
    assert.deepEqual(guard.noteServerTime(wall - 10), []);
    assert.deepEqual((await guard.scan('start')).threats, []);
    const skewed = guard.noteServerTime(wall - 90_000);
    assert.equal(skewed[0]?.evidence.skewMs, 90_000);
    wall += 5_000;
    mono += 5_000;
    const r1 = await guard.scan('periodic');
    assert.deepEqual(
      r1.threats.map((t) => [t.code, t.evidence.kind, t.evidence.skewMs]),
      [['CLOCK_TAMPERED', 'server-skew', 90_000]],
      'the skew stays measured against monotonic time as time passes',
    );
    guard.noteServerTime(wall);
    wall -= 3_600_000; // the user winds the clock back one hour
    mono += 1_000;
    const r2 = await guard.scan('periodic');
    const jump = r2.threats.find((t) => t.evidence.kind === 'wall-jump');
    assert.ok(jump, JSON.stringify(r2));
    assert.equal(jump.severity, 'high');
    assert.equal(jump.evidence.direction, 'back');
    assert.equal(jump.evidence.driftMs, -3_601_000);
    assert.ok(r2.threats.some((t) => t.evidence.kind === 'server-skew' && t.evidence.direction === 'behind'));
    wall += 3_600_000 + 1_000; // clock put right again
    mono += 1_000;
    guard.noteServerTime(wall);
    assert.deepEqual((await guard.scan('periodic')).threats, []);
  });
});
