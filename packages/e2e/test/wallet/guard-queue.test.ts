/**
 * V-Guard link: the offline queue, heartbeats and replays against the real server and real V-OS
 * (docs/cbp-protocol.md §6). Offline, signed reports are queued (persisted in a file) and
 * `flush()` sends them in seq order; the server accepts them all (no replay refusal, no gap). A
 * heartbeat moves the device's last heartbeat; the same JWS posted twice is refused
 * ERR_THREAT_REPORT_REPLAY (409), and a queued copy of an accepted report is dropped. The
 * pre-payment scan does not hold the tap up, even when the server is slow.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  createFileReportQueue,
  createGuardLink,
  createMemoryReportQueue,
  decodeJwsPayload,
  type FetchLike,
  type GuardLinkEvent,
  type GuardReaction,
  SdkError,
  SdkErrorCode,
  WalletSdk,
} from '@openvse/cbp-sdk';
import { TestBench } from '@openvse/test-bench';
import { createGuard, type Guard } from '@openvse/vguard';
import { disarmTestRunnerReportSignal, inProcessServerLibraries } from './guard-helpers.js';
import { loadTerminal, tap } from './terminal.js';

describe('V-Guard link: offline queue, heartbeat, replay (V-OS, real server)', () => {
  let dir: string;
  let bench: TestBench;
  let guard: Guard;
  let offline = false;
  let slowThreatsMs = 0;
  const offlineFetch: FetchLike = async (url, init) => {
    if (offline) throw new TypeError('fetch failed (network off)');
    if (slowThreatsMs > 0 && url.endsWith('/threats')) await new Promise((r) => setTimeout(r, slowThreatsMs));
    return fetch(url, init);
  };
  const risk = async () =>
    (await bench.app.inject({ url: `/v1/devices/${bench.wallet.deviceId}/risk` })).json();
  const seqOf = (jws: string) => decodeJwsPayload<{ seq: number }>(jws).seq;

  before(async () => {
    disarmTestRunnerReportSignal();
    dir = mkdtempSync(join(tmpdir(), 'openvse-guard-queue-'));
    bench = await TestBench.start({ dir, provider: 'vos', fetch: offlineFetch });
    guard = createGuard({ allowLibraries: inProcessServerLibraries() });
  });

  after(async () => {
    await bench?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a heartbeat is accepted and moves the last heartbeat', async () => {
    const events: GuardLinkEvent[] = [];
    const link = createGuardLink({
      guard,
      vos: bench.vos!,
      server: bench.client,
      deviceId: bench.wallet.deviceId!,
      onEvent: (e) => events.push(e),
    });
    const before = await risk();
    assert.equal(before.lastHeartbeatAt, null);
    await link.heartbeat();
    assert.equal(link.pending(), 0);
    assert.equal(link.lastResult?.typ, 'heartbeat');
    const first = await risk();
    assert.equal(typeof first.lastHeartbeatAt, 'number');
    assert.equal(first.lastReportSeq, link.lastResult?.seq);
    await new Promise((r) => setTimeout(r, 5));
    await link.heartbeat();
    const second = await risk();
    assert.ok(
      second.lastHeartbeatAt > first.lastHeartbeatAt,
      `${second.lastHeartbeatAt} > ${first.lastHeartbeatAt}`,
    );
    assert.equal(second.lastReportSeq, first.lastReportSeq + 1);
    assert.equal(second.silent, false);
    assert.deepEqual(
      events.map((e) => e.type),
      ['report-sent', 'report-sent'],
    );
  });

  it('offline: reports and heartbeats are queued (persisted); flush() sends them in seq order, all accepted', async () => {
    const file = join(dir, 'guard-queue.json');
    const events: GuardLinkEvent[] = [];
    const mk = () =>
      createGuardLink({
        guard,
        vos: bench.vos!,
        server: bench.client,
        deviceId: bench.wallet.deviceId!,
        queue: createFileReportQueue(file),
        onEvent: (e) => events.push(e),
      });
    const link = mk();
    const start = (await risk()).lastReportSeq as number;
    offline = true;
    await link.scanAndReport('periodic');
    await link.heartbeat();
    await link.scanAndReport('payment');
    assert.equal(link.pending(), 3);
    assert.deepEqual(
      events
        .filter((e) => e.type === 'report-queued')
        .map((e) => [e.type === 'report-queued' && e.kind, e.type === 'report-queued' && e.pending]),
      [
        ['threat-report', 1],
        ['heartbeat', 2],
        ['threat-report', 3],
      ],
    );
    // persisted in seq order
    const stored = (JSON.parse(readFileSync(file, 'utf8')) as { reports: { seq: number; report: string }[] })
      .reports;
    assert.deepEqual(
      stored.map((r) => r.seq),
      [start + 1, start + 2, start + 3],
    );
    assert.deepEqual(
      stored.map((r) => seqOf(r.report)),
      [start + 1, start + 2, start + 3],
    );
    // still offline: flush sends nothing and keeps them
    assert.equal(await link.flush(), 0);
    assert.equal(link.pending(), 3);
    // the app restarts: a new link over the same file finds them
    const again = mk();
    assert.equal(again.pending(), 3);
    offline = false;
    const sentEvents: number[] = [];
    events.length = 0;
    assert.equal(await again.flush(), 3);
    for (const e of events) if (e.type === 'report-sent') sentEvents.push(e.seq);
    assert.deepEqual(sentEvents, [start + 1, start + 2, start + 3]);
    assert.ok(!events.some((e) => e.type === 'report-dropped'), JSON.stringify(events));
    assert.equal(again.pending(), 0);
    assert.deepEqual((JSON.parse(readFileSync(file, 'utf8')) as { reports: unknown[] }).reports, []);
    const view = await risk();
    assert.equal(view.lastReportSeq, start + 3);
    assert.equal(view.seqGaps, 0);
    assert.equal(view.state === 'compromised', false);
  });

  it('the next successful report flushes what was queued before it (seq order kept)', async () => {
    const link = createGuardLink({
      guard,
      vos: bench.vos!,
      server: bench.client,
      deviceId: bench.wallet.deviceId!,
    });
    const start = (await risk()).lastReportSeq as number;
    offline = true;
    await link.heartbeat();
    await link.scanAndReport('periodic');
    assert.equal(link.pending(), 2);
    offline = false;
    await link.scanAndReport('start');
    assert.equal(link.pending(), 0);
    const view = await risk();
    assert.equal(view.lastReportSeq, start + 3);
    assert.equal(view.seqGaps, 0);
  });

  it('a report replayed (the same JWS twice) is refused ERR_THREAT_REPORT_REPLAY; a queued copy is dropped', async () => {
    const scan = await guard.scan('periodic');
    const jws = await bench.vos!.signDeviceReport('threat-report', scan);
    const device = bench.wallet.deviceId!;
    const ok = await bench.client.threatReport(device, jws);
    assert.equal(ok.seq, seqOf(jws));
    await assert.rejects(bench.client.threatReport(device, jws), (e: unknown) => {
      assert.ok(e instanceof SdkError);
      assert.equal(e.code, SdkErrorCode.SERVER_REFUSED);
      assert.equal(e.serverCode, 'ERR_THREAT_REPORT_REPLAY');
      assert.equal(e.result, 409);
      return true;
    });
    // also over the raw route, as an attacker relaying it would
    const raw = await bench.app.inject({
      method: 'POST',
      url: `/v1/devices/${device}/threats`,
      payload: { report: jws },
    });
    assert.equal(raw.statusCode, 409);
    assert.equal(raw.json().error.code, 'ERR_THREAT_REPORT_REPLAY');
    // a link whose queue holds that already-accepted report drops it and goes on
    const events: GuardLinkEvent[] = [];
    const link = createGuardLink({
      guard,
      vos: bench.vos!,
      server: bench.client,
      deviceId: device,
      queue: createMemoryReportQueue([
        { kind: 'threat-report', seq: seqOf(jws), report: jws, queuedAt: Date.now() },
      ]),
      onEvent: (e) => events.push(e),
    });
    assert.equal(link.pending(), 1);
    assert.equal(await link.flush(), 0);
    assert.equal(link.pending(), 0);
    const dropped = events.find((e) => e.type === 'report-dropped');
    assert.ok(dropped && dropped.type === 'report-dropped');
    assert.equal(dropped.serverCode, 'ERR_THREAT_REPORT_REPLAY');
    // a heartbeat is not accepted on another device's route either (signature/deviceId bound)
    const hb = await bench.vos!.signDeviceReport('heartbeat');
    await assert.rejects(bench.client.heartbeat('0'.repeat(32), hb), (e: unknown) => e instanceof SdkError);
  });

  it('the pre-payment scan does not hold the tap up: a slow server, the tap answers first', async (ctx) => {
    const t = await loadTerminal();
    await bench.addCard('V');
    await bench.wallet.close();
    const link = createGuardLink({
      guard,
      vos: bench.vos!,
      server: bench.client,
      deviceId: bench.wallet.deviceId!,
    });
    const wallet = await WalletSdk.open({
      provider: bench.provider,
      server: bench.client,
      guardLink: link,
      checkIntervalMs: 0,
      autoReplenish: false,
    });
    try {
      const before = link.lastResult?.seq ?? 0;
      slowThreatsMs = 1500;
      const t0 = Date.now();
      const outcome = await tap(t, (c) => wallet.hce().processApdu(c), 1200);
      const tapMs = Date.now() - t0;
      assert.equal(outcome.type, 'ONLINE_REQUEST', JSON.stringify(outcome.reason));
      // The outcome, not a wall-clock bound: the tap answered while the payment report was still
      // on its way to the slow server (the report lands only after wallet.idle()).
      assert.equal(link.lastResult?.seq, before, 'the payment report is still on its way');
      await wallet.idle();
      assert.equal(link.lastResult?.seq, before + 1);
      assert.equal(link.lastResult?.typ, 'threat-report');
      ctx.diagnostic(`tap ${tapMs} ms with a server answering reports in ${slowThreatsMs} ms`);
      const auth = await bench.authorize(outcome, 1200);
      assert.equal(auth.decision, 'APPROVE', JSON.stringify(auth));
    } finally {
      slowThreatsMs = 0;
      await wallet.close();
    }
  });

  it('offline with a stop_app policy: the cached policy applies locally, the server confirms once back', async () => {
    await bench.app.inject({
      method: 'POST',
      url: '/v1/policy',
      payload: {
        policy: {
          rules: [
            { code: 'LD_PRELOAD', reaction: 'stop_app' },
            { code: '*', reaction: 'report' },
          ],
        },
      },
    });
    // V-Guard with one detector that finds what a real LD_PRELOAD run finds (docs/vguard.md):
    // the preload itself is tested in packages/vguard; here only the link's reaction path matters.
    const preloaded = createGuard({
      detectors: [
        {
          id: 'ld-preload-fixture',
          detect: () => [
            {
              class: 'hook',
              code: 'LD_PRELOAD',
              severity: 'critical',
              evidence: { variable: 'LD_PRELOAD' },
              detectedAt: new Date().toISOString(),
            },
          ],
        },
      ],
    });
    const reactions: GuardReaction[] = [];
    const link = createGuardLink({
      guard: preloaded,
      vos: bench.vos!,
      server: bench.client,
      deviceId: bench.wallet.deviceId!,
      onReaction: (r) => reactions.push(r),
    });
    assert.equal(await link.refreshPolicy(), true);
    offline = true;
    await link.scanAndReport('payment');
    assert.equal(link.pending(), 1);
    assert.deepEqual(
      reactions.map((r) => [r.reaction, r.codes, r.source]),
      [['stop_app', ['LD_PRELOAD'], 'local']],
    );
    assert.ok((await bench.vos!.status()).threatFlags.includes('LD_PRELOAD:critical'));
    offline = false;
    assert.equal(await link.flush(), 1);
    assert.equal(link.lastResult?.risk.state, 'compromised');
    assert.deepEqual(
      link.reactions().map((r) => [r.reaction, r.codes, r.source]),
      [['stop_app', ['LD_PRELOAD'], 'server']],
    );
    assert.equal(reactions.length, 1, 'the same reaction is not told twice');
  });
});
