/**
 * V-Guard in the wallet, end to end with nothing faked (docs/cbp-sdk.md "V-Guard"): real V-Guard
 * in this process, real V-OS with the CBP TA, the real server with its fraud engine ON, the real
 * POS terminal. A real inspector is opened in this process (`inspector.open(0, '127.0.0.1')`):
 * the pre-payment scan reports INSPECTOR_OPEN, V-OS holds the flag and signs the report (seq
 * increasing), the server marks the device compromised and declines the next authorization
 * DEVICE_COMPROMISED; once the wallet has the policy message, the TA answers the next tap with an
 * AAC, reason 7 PAYMENTS_BLOCKED, also to a caller that bypasses the SDK. Then a policy with
 * `stop_app` stops the card emulation (6985).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import inspector from 'node:inspector';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  createGuardLink,
  decodeJwsPayload,
  type GuardLink,
  type GuardReaction,
  VosProvider,
  type WalletEvent,
  WalletSdk,
} from '@openvse/cbp-sdk';
import { ReasonCode } from '@openvse/protocol';
import { TestBench } from '@openvse/test-bench';
import { createGuard, type Guard } from '@openvse/vguard';
import {
  disarmTestRunnerReportSignal,
  inProcessServerLibraries,
  pdolV,
  SELECT_PPSE,
  swOf,
} from './guard-helpers.js';
import { loadTerminal, type TerminalModule, tap } from './terminal.js';

describe('V-Guard link: an inspector opened in the wallet process (V-OS, fraud engine on)', () => {
  let dir: string;
  let bench: TestBench;
  let t: TerminalModule;
  let guard: Guard;
  let link: GuardLink;
  let wallet: WalletSdk;
  let cardV: string;
  let inspectorOpened = false;
  const events: WalletEvent[] = [];
  const reactions: GuardReaction[] = [];
  const sentSeqs: number[] = [];

  const risk = async () => (await bench.app.inject({ url: `/v1/devices/${wallet.deviceId}/risk` })).json();

  before(async () => {
    disarmTestRunnerReportSignal();
    t = await loadTerminal();
    dir = mkdtempSync(join(tmpdir(), 'openvse-guard-inspector-'));
    bench = await TestBench.start({
      dir,
      provider: 'vos',
      // The fraud engine is what this test is about: default rules and thresholds.
      // L0: this V-OS runs without the permission model (the level rule is not what is tested).
      server: { fraud: { minProtectionLevel: 'L0' } },
    });
    cardV = await bench.addCard('V');
    await bench.wallet.close();
    guard = createGuard({ allowLibraries: inProcessServerLibraries() });
    link = createGuardLink({
      guard,
      vos: bench.vos!,
      server: bench.client,
      deviceId: bench.wallet.deviceId!,
      onReaction: (r) => reactions.push(r),
      onEvent: (e) => {
        if (e.type === 'report-sent') sentSeqs.push(e.seq);
      },
    });
    wallet = await WalletSdk.open({
      provider: bench.provider,
      server: bench.client,
      guardLink: link,
      checkIntervalMs: 0,
      afterTapDelayMs: 0,
      autoReplenish: false,
      onEvent: (e) => events.push(e),
    });
  });

  after(async () => {
    if (inspectorOpened) inspector.close();
    link?.stop();
    await wallet?.close();
    await bench?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('opening the wallet reported a start scan (seq 1): not compromised, nothing flagged in V-OS', async () => {
    assert.equal(inspector.url(), undefined, 'no inspector before the test opens one');
    assert.deepEqual(sentSeqs, [1]);
    assert.equal(link.lastResult?.typ, 'threat-report');
    assert.notEqual(link.lastResult?.risk.state, 'compromised');
    assert.equal(link.pending(), 0);
    assert.deepEqual((await bench.vos!.status()).threatFlags, []);
    assert.equal(guard.lastReport?.reason, 'start');
    assert.equal(guard.lastReport?.clean, true, JSON.stringify(guard.lastReport?.threats));
  });

  it('a clean tap: the payment scan runs at SELECT PPSE, the authorization is approved', async () => {
    const outcome = await tap(t, (c) => wallet.hce().processApdu(c), 1500);
    assert.equal(outcome.type, 'ONLINE_REQUEST', JSON.stringify(outcome.reason));
    const auth = await bench.authorize(outcome, 1500);
    await wallet.idle();
    assert.equal(auth.decision, 'APPROVE', JSON.stringify(auth));
    assert.equal(guard.lastReport?.reason, 'payment');
    assert.deepEqual(sentSeqs, [1, 2]);
  });

  it('inspector open → INSPECTOR_OPEN reported: V-OS flag, signed report seq 3, server says compromised', async () => {
    inspector.open(0, '127.0.0.1');
    inspectorOpened = true;
    assert.match(String(inspector.url()), /^ws:\/\/127\.0\.0\.1:\d+\//);
    const report = await link.scanAndReport('payment');
    const found = report.threats.find((x) => x.code === 'INSPECTOR_OPEN');
    assert.ok(found, JSON.stringify(report.threats));
    assert.equal(found.class, 'debug');
    assert.equal(found.severity, 'critical');
    assert.equal(report.clean, false);
    // evidence: host and port, never the session UUID (docs/vguard.md "Evidence rules")
    assert.doesNotMatch(JSON.stringify(found.evidence), /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-/);
    // V-OS holds the flag (with its severity, for the TA's minSeverity rules)
    const status = await bench.vos!.status();
    assert.ok(status.threatFlags.includes('INSPECTOR_OPEN:critical'), JSON.stringify(status.threatFlags));
    assert.equal(status.protectionLevel, 'L0');
    // the server accepted the V-OS-signed report, next in sequence
    assert.deepEqual(sentSeqs, [1, 2, 3]);
    const last = link.lastResult!;
    assert.deepEqual([last.seq, last.typ, last.gap], [3, 'threat-report', 0]);
    assert.equal(last.risk.state, 'compromised');
    assert.ok(last.policyMessageSeq !== null, 'the verdict flipped: a policy message is queued');
    const view = await risk();
    assert.equal(view.state, 'compromised');
    assert.equal(view.lastReportSeq, 3);
    const active = view.activeThreats.find((x: { code: string }) => x.code === 'INSPECTOR_OPEN');
    assert.equal(active?.reaction, 'block_payments');
    // the reaction reached the wallet
    assert.deepEqual(
      reactions.map((r) => [r.reaction, r.codes]),
      [['block_payments', ['INSPECTOR_OPEN']]],
    );
    assert.ok(events.some((e) => e.type === 'guard-reaction' && e.reaction === 'block_payments'));
    assert.equal(wallet.stopped, false);
  });

  it('the next authorization is declined DEVICE_COMPROMISED by the fraud engine', async () => {
    // The TA has not received the policy message yet: it still makes an ARQC; the issuer declines.
    const outcome = await tap(t, (c) => wallet.hce().processApdu(c), 1600);
    assert.equal(outcome.type, 'ONLINE_REQUEST', JSON.stringify(outcome.reason));
    const auth = await bench.authorize(outcome, 1600);
    await wallet.idle();
    assert.equal(auth.decision, 'DECLINE');
    assert.equal(auth.reason, 'DEVICE_COMPROMISED', JSON.stringify(auth));
    assert.ok(auth.reasons.includes('DEVICE_THREAT_CRITICAL'), JSON.stringify(auth.reasons));
    // that tap's own payment scan (inspector still open) was reported too: seq 4
    assert.deepEqual(sentSeqs, [1, 2, 3, 4]);
  });

  it('after the policy message, the TA answers the tap with an AAC, reason 7 PAYMENTS_BLOCKED', async () => {
    const applied: string[] = [];
    const before = events.length;
    const n = await wallet.fetchMessages();
    for (const e of events.slice(before)) if (e.type === 'message-applied') applied.push(e.typ);
    assert.ok(n >= 1 && applied.includes('policy'), JSON.stringify(applied));
    const outcome = await tap(t, (c) => wallet.hce().processApdu(c), 1700);
    await wallet.idle();
    assert.equal(outcome.type, 'DECLINED', JSON.stringify(outcome));
    assert.equal(outcome.cryptogramType, 'AAC');
    const h = wallet.history().at(-1)!;
    assert.deepEqual(
      [h.cryptogramType, h.outcome, h.reason, h.reasonName],
      ['AAC', 'DECLINED', 7, 'PAYMENTS_BLOCKED'],
    );
    const blocked = events.filter((e) => e.type === 'payments-blocked');
    assert.equal(blocked.length, 1);
  });

  it('the normal world cannot skip it: the provider called directly, and a new session, get PAYMENTS_BLOCKED', async () => {
    const direct = await bench.provider.gpoV(cardV, pdolV(100));
    assert.equal(direct.reason, ReasonCode.PAYMENTS_BLOCKED);
    // an app that skips the SDK altogether: its own session to the CBP TA in the same V-OS
    const rogue = await VosProvider.open({ vos: bench.vos! });
    try {
      const r = await rogue.gpoV(cardV, pdolV(100));
      assert.equal(r.reason, ReasonCode.PAYMENTS_BLOCKED);
      const status = decodeJwsPayload<{ cards: { cardId: string; credentialsLeft: number }[] }>(
        await rogue.status('bypass-check-nonce'),
      );
      // First match wins, in the TA as on the server: INSPECTOR_OPEN → block_payments comes before
      // `* critical → wipe_keys`, so payments are blocked and the credentials are kept.
      const card = status.cards.find((c) => c.cardId === cardV);
      assert.ok(card);
      assert.ok(card.credentialsLeft > 0, `credentials left after the block: ${card.credentialsLeft}`);
    } finally {
      await rogue.close();
    }
  });

  it('a stop_app policy: the server answer carries it, the SDK stops the card emulation (6985)', async () => {
    const r = await bench.app.inject({
      method: 'POST',
      url: '/v1/policy',
      payload: {
        policy: {
          rules: [
            { code: 'INSPECTOR_OPEN', reaction: 'stop_app' },
            { code: '*', reaction: 'report' },
          ],
        },
      },
    });
    assert.equal(r.statusCode, 200, r.body);
    await link.scanAndReport('periodic');
    assert.equal(link.lastResult?.risk.state, 'compromised');
    assert.deepEqual(
      link.reactions().map((x) => [x.reaction, x.codes]),
      [['stop_app', ['INSPECTOR_OPEN']]],
    );
    assert.equal(wallet.stopped, true);
    assert.ok(events.some((e) => e.type === 'app-stopped' && e.codes.includes('INSPECTOR_OPEN')));
    const scansBefore = sentSeqs.length;
    assert.equal(swOf(await wallet.hce().processApdu(SELECT_PPSE)), '6985');
    const outcome = await tap(t, (c) => wallet.hce().processApdu(c), 100);
    assert.notEqual(outcome.type, 'ONLINE_REQUEST');
    await wallet.idle();
    assert.equal(sentSeqs.length, scansBefore, 'a stopped wallet does not even start the payment scan');
  });
});
