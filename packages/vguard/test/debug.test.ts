/**
 * Red-team tests for the debug class (MASTG-TEST-0046): each attack is real, against a child
 * process running test/fixtures/probe.js (docs/runtime-protection.md §6).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { blockingCodes, codes, runProbe, startProbe } from './helpers/probe.js';
import { optionalTool, requireTool } from './helpers/system.js';

describe('debug detectors, for real', () => {
  test('--inspect=127.0.0.1:0 → INSPECTOR_OPEN from url, flag and own listening socket', () => {
    const r = runProbe({ flags: ['--inspect=127.0.0.1:0'] });
    const t = r.report.threats.find((x) => x.code === 'INSPECTOR_OPEN');
    assert.ok(t, JSON.stringify(r.report));
    assert.equal(t.severity, 'critical');
    assert.equal(t.evidence.url, true);
    assert.equal(t.evidence.flags, '--inspect');
    assert.equal(t.evidence.socket, true);
    assert.equal(t.evidence.host, '127.0.0.1');
    assert.equal(typeof t.evidence.port, 'number');
    assert.ok(!JSON.stringify(t).includes('ws://'), 'the session UUID must not leave the process');
    assert.equal(r.verdict.clean, false);
  });

  test('NODE_OPTIONS=--inspect → INSPECTOR_OPEN (flagSource NODE_OPTIONS) and NODE_OPTIONS_INJECTION', () => {
    const r = runProbe({ env: { NODE_OPTIONS: '--inspect=127.0.0.1:0' } });
    const t = r.report.threats.find((x) => x.code === 'INSPECTOR_OPEN');
    assert.ok(t, JSON.stringify(r.report));
    assert.equal(t.evidence.flagSource, 'NODE_OPTIONS');
    assert.ok(codes(r).includes('NODE_OPTIONS_INJECTION'));
  });

  test('SIGUSR1 to a guarded child: the listener catches it, INSPECTOR_SIGNAL, the inspector stays closed', async () => {
    const p = startProbe({
      flags: ['--inspect-port=0'],
      args: ['--periodic', '50', '--until', 'INSPECTOR_SIGNAL,INSPECTOR_OPEN', '--max-ms', '8000'],
    });
    const pid = await p.ready;
    process.kill(pid, 'SIGUSR1');
    const r = await p.done;
    const sig = r.report.threats.find((x) => x.code === 'INSPECTOR_SIGNAL');
    assert.ok(sig, JSON.stringify(r.report));
    assert.equal(sig.evidence.count, 1);
    assert.equal(sig.evidence.inspectorStayedClosed, true);
    assert.ok(!codes(r).includes('INSPECTOR_OPEN'), JSON.stringify(r.report));
    assert.doesNotMatch(r.stderr, /Debugger listening/);
  });

  test('SIGUSR1 to a child without the listener: the inspector opens and a periodic scan reports INSPECTOR_OPEN', async () => {
    // --inspect-port=0: a signal-opened inspector takes a free port, not the shared 9229.
    const p = startProbe({
      flags: ['--inspect-port=0'],
      args: ['--no-signal-guard', '--periodic', '50', '--until', 'INSPECTOR_OPEN', '--max-ms', '8000'],
    });
    const pid = await p.ready;
    process.kill(pid, 'SIGUSR1');
    const r = await p.done;
    const t = r.report.threats.find((x) => x.code === 'INSPECTOR_OPEN');
    assert.ok(t, JSON.stringify(r.report));
    assert.equal(r.report.reason, 'periodic');
    assert.equal(t.evidence.url, true);
    assert.equal(t.evidence.flags, undefined, 'no --inspect flag: it was opened at run time');
    assert.match(r.stderr, /Debugger listening/);
  });

  test('under strace -f → DEBUGGER_ATTACHED with the tracer pid and name', (t) => {
    if (!requireTool(t, 'strace')) return;
    const r = runProbe({ wrapper: ['strace', '-f', '-o', '/dev/null'] });
    const d = r.report.threats.find((x) => x.code === 'DEBUGGER_ATTACHED');
    assert.ok(d, JSON.stringify(r.report));
    assert.ok(Number(d.evidence.tracerPid) > 0);
    assert.equal(d.evidence.tracerName, 'strace');
  });

  test('under gdb (batch) → DEBUGGER_ATTACHED, tracer gdb', (t) => {
    if (!optionalTool(t, 'gdb')) return;
    const r = runProbe({
      wrapper: ['gdb', '-q', '-batch', '-nx', '-ex', 'set startup-with-shell off', '-ex', 'run', '--args'],
    });
    const d = r.report.threats.find((x) => x.code === 'DEBUGGER_ATTACHED');
    assert.ok(d, JSON.stringify(r.report));
    assert.equal(d.evidence.tracerName, 'gdb');
  });

  test('a plain run has no debug-class threat', () => {
    const r = runProbe();
    assert.deepEqual(
      r.report.threats.filter((x) => x.class === 'debug').map((x) => x.code),
      [],
      JSON.stringify(blockingCodes(r)),
    );
  });
});
