/**
 * V-Guard link on a clean run (no inspector): real V-Guard, V-OS, server with the fraud engine on.
 * The scans are clean, V-OS is told nothing, environment posture (root, container, VM on this
 * machine) reaches the server as `report` only and blocks nothing: payments are approved, no
 * reaction fires. The periodic timer sends a scan and a heartbeat. Plus the flag / policy helpers.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  createGuardLink,
  type GuardLink,
  type GuardLinkEvent,
  type GuardReaction,
  type WalletEvent,
  WalletSdk,
} from '@openvse/cbp-sdk';
import { TestBench } from '@openvse/test-bench';
import { createGuard, type Guard } from '@openvse/vguard';
import { disarmTestRunnerReportSignal, inProcessServerLibraries } from './guard-helpers.js';
import { loadTerminal, tap } from './terminal.js';

describe('V-Guard link: a clean run blocks nothing (V-OS, fraud engine on)', () => {
  let dir: string;
  let bench: TestBench;
  let guard: Guard;
  let link: GuardLink;
  let wallet: WalletSdk;
  const events: WalletEvent[] = [];
  const linkEvents: GuardLinkEvent[] = [];
  const reactions: GuardReaction[] = [];

  before(async () => {
    disarmTestRunnerReportSignal();
    dir = mkdtempSync(join(tmpdir(), 'openvse-guard-clean-'));
    bench = await TestBench.start({
      dir,
      provider: 'vos',
      server: { fraud: { minProtectionLevel: 'L0' } },
    });
    await bench.addCard('V');
    await bench.wallet.close();
    guard = createGuard({ allowLibraries: inProcessServerLibraries() });
    link = createGuardLink({
      guard,
      vos: bench.vos!,
      server: bench.client,
      deviceId: () => bench.wallet.deviceId,
      onReaction: (r) => reactions.push(r),
      onEvent: (e) => linkEvents.push(e),
    });
    wallet = await WalletSdk.open({
      provider: bench.provider,
      server: bench.client,
      guardLink: link,
      checkIntervalMs: 0,
      autoReplenish: false,
      onEvent: (e) => events.push(e),
    });
  });

  after(async () => {
    link?.stop();
    await wallet?.close();
    await bench?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the start scan is clean; environment findings go to the server only, as report', async (ctx) => {
    const report = guard.lastReport!;
    assert.equal(report.reason, 'start');
    assert.equal(report.clean, true, JSON.stringify(report.threats));
    assert.ok(report.threats.every((x) => x.class === 'environment'));
    ctx.diagnostic(`environment on this machine: ${report.threats.map((x) => x.code).join(', ') || 'none'}`);
    assert.deepEqual((await bench.vos!.status()).threatFlags, []);
    const r = link.lastResult!;
    assert.equal(r.typ, 'threat-report');
    assert.notEqual(r.risk.state, 'compromised');
    assert.deepEqual(
      r.risk.activeThreats.map((x) => [x.code, x.reaction]),
      report.threats.map((x) => [x.code, 'report']),
    );
    assert.equal(r.risk.state, report.threats.length > 0 ? 'suspicious' : 'clean');
    assert.deepEqual(reactions, []);
    assert.deepEqual(link.reactions(), []);
  });

  it('taps are approved, with a payment scan each; no reaction, no block, not stopped', async () => {
    const t = await loadTerminal();
    for (const amount of [1000, 2000]) {
      const outcome = await tap(t, (c) => wallet.hce().processApdu(c), amount);
      assert.equal(outcome.type, 'ONLINE_REQUEST', JSON.stringify(outcome.reason));
      const auth = await bench.authorize(outcome, amount);
      await wallet.idle();
      assert.equal(auth.decision, 'APPROVE', JSON.stringify(auth));
      assert.equal(wallet.history().at(-1)?.reasonName, 'OK');
    }
    const scans = linkEvents
      .filter((e) => e.type === 'scan')
      .map((e) => (e.type === 'scan' ? e.report.reason : ''));
    assert.deepEqual(scans, ['start', 'payment', 'payment']);
    assert.ok(linkEvents.every((e) => e.type !== 'scan' || e.flags.length === 0));
    assert.equal(wallet.stopped, false);
    assert.deepEqual(wallet.guardReactions(), []);
    assert.ok(
      !events.some((e) =>
        ['guard-reaction', 'payments-blocked', 'app-stopped', 'guard-error'].includes(e.type),
      ),
    );
    assert.deepEqual((await bench.vos!.status()).threatFlags, []);
    const view = (await bench.app.inject({ url: `/v1/devices/${wallet.deviceId}/risk` })).json();
    assert.notEqual(view.state, 'compromised');
    assert.equal(view.seqGaps, 0);
  });

  it('start(intervalMs): a periodic scan and a heartbeat, on an unref’d timer; stop() ends it', async () => {
    const seen = () =>
      linkEvents.filter((e) => e.type === 'report-sent').map((e) => (e.type === 'report-sent' ? e.kind : ''));
    const before = seen().length;
    link.start(100);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && !seen().slice(before).includes('heartbeat'))
      await new Promise((r) => setTimeout(r, 25));
    link.stop();
    const sent = seen().slice(before);
    assert.ok(sent.includes('heartbeat') && sent.includes('threat-report'), JSON.stringify(sent));
    await new Promise((r) => setTimeout(r, 300));
    const settled = seen().length;
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(seen().length, settled, 'nothing after stop()');
    assert.ok(guard.lastReport?.reason === 'periodic');
    const view = (await bench.app.inject({ url: `/v1/devices/${wallet.deviceId}/risk` })).json();
    assert.equal(typeof view.lastHeartbeatAt, 'number');
  });
});
