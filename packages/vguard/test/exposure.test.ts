/**
 * Red-team tests for the exposure and clock classes: heap-snapshot flags, core dumps (ulimit),
 * server-time skew, all against a real child process (test/fixtures/probe.js).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { codes, runProbe } from './helpers/probe.js';
import { requireTool } from './helpers/system.js';

const corePatternIsPipe = (() => {
  try {
    return readFileSync('/proc/sys/kernel/core_pattern', 'utf8').startsWith('|');
  } catch {
    return false;
  }
})();

describe('exposure and clock detectors, for real', () => {
  test('--heapsnapshot-signal=SIGUSR2 → HEAP_SNAPSHOT_EXPOSED (high)', () => {
    const r = runProbe({ flags: ['--heapsnapshot-signal=SIGUSR2'] });
    const t = r.report.threats.find((x) => x.code === 'HEAP_SNAPSHOT_EXPOSED');
    assert.ok(t, JSON.stringify(r.report));
    assert.equal(t.severity, 'high');
    assert.equal(t.evidence.flags, '--heapsnapshot-signal');
  });

  test('--heapsnapshot-near-heap-limit: 2 → HEAP_SNAPSHOT_EXPOSED (high); 0 (the off value Node 24 test children get) → nothing', () => {
    const armed = runProbe({ flags: ['--heapsnapshot-near-heap-limit=2'] });
    const t = armed.report.threats.find((x) => x.code === 'HEAP_SNAPSHOT_EXPOSED');
    assert.ok(t, JSON.stringify(armed.report));
    assert.equal(t.severity, 'high');
    const off = runProbe({ flags: ['--heapsnapshot-near-heap-limit=0'] });
    assert.equal(codes(off).includes('HEAP_SNAPSHOT_EXPOSED'), false, JSON.stringify(off.report));
  });

  test('--cpu-prof → HEAP_SNAPSHOT_EXPOSED (medium: a profile, not memory)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vguard-cpuprof-'));
    try {
      const r = runProbe({ flags: ['--cpu-prof', `--cpu-prof-dir=${dir}`] });
      const h = r.report.threats.find((x) => x.code === 'HEAP_SNAPSHOT_EXPOSED');
      assert.ok(h, JSON.stringify(r.report));
      assert.equal(h.severity, 'medium');
      assert.equal(h.evidence.flags, '--cpu-prof');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('NODE_OPTIONS=--heapsnapshot-signal → HEAP_SNAPSHOT_EXPOSED from NODE_OPTIONS + NODE_OPTIONS_INJECTION', () => {
    const r = runProbe({ env: { NODE_OPTIONS: '--heapsnapshot-signal=SIGUSR2' } });
    const h = r.report.threats.find((x) => x.code === 'HEAP_SNAPSHOT_EXPOSED');
    assert.ok(h, JSON.stringify(r.report));
    assert.equal(h.evidence.flagSource, 'NODE_OPTIONS');
    assert.equal(
      r.report.threats.find((x) => x.code === 'NODE_OPTIONS_INJECTION')?.evidence.flags,
      '--heapsnapshot-signal',
    );
  });

  test('--report-on-signal → DIAGNOSTIC_REPORT_ENABLED', () => {
    const r = runProbe({ flags: ['--report-on-signal'] });
    const t = r.report.threats.find((x) => x.code === 'DIAGNOSTIC_REPORT_ENABLED');
    assert.ok(t, JSON.stringify(r.report));
    assert.equal(t.evidence.triggers, 'reportOnSignal');
  });

  test('ulimit -c unlimited → CORE_DUMP_ENABLED; ulimit -c 0 → not (unless core_pattern pipes to a collector)', (t) => {
    if (!requireTool(t, 'bash')) return;
    const on = runProbe({ shellPrefix: 'ulimit -c unlimited' });
    const c = on.report.threats.find((x) => x.code === 'CORE_DUMP_ENABLED');
    assert.ok(c, JSON.stringify(on.report));
    assert.equal(c.severity, 'medium');
    assert.equal(c.evidence.coreLimit, 'unlimited');
    const off = runProbe({ shellPrefix: 'ulimit -c 0' });
    const c0 = off.report.threats.find((x) => x.code === 'CORE_DUMP_ENABLED');
    if (corePatternIsPipe) {
      assert.equal(c0?.evidence.corePattern, 'pipe', 'a pipe collector ignores RLIMIT_CORE: still exposed');
    } else {
      assert.equal(c0, undefined, JSON.stringify(off.report));
    }
  });

  test('server time 2 minutes behind the device → CLOCK_TAMPERED with the skew; 1 s → nothing', () => {
    const r = runProbe({ args: ['--server-offset', '120000'] });
    const t = r.report.threats.find((x) => x.code === 'CLOCK_TAMPERED');
    assert.ok(t, JSON.stringify(r.report));
    assert.equal(t.evidence.kind, 'server-skew');
    assert.equal(t.evidence.direction, 'ahead');
    assert.ok(Math.abs(Number(t.evidence.skewMs) - 120_000) < 5_000, String(t.evidence.skewMs));
    const ok = runProbe({ args: ['--server-offset', '1000'] });
    assert.ok(!codes(ok).includes('CLOCK_TAMPERED'));
  });
});
