/**
 * The stream's pure parts and its in-process side (docs/scaling.md "Threat intelligence as a
 * stream"): the in-process event bus (delivery after the publisher's turn, in order; a failing
 * listener logged and skipped; bounded: the oldest dropped with a warning; nothing after close),
 * the `stream` configuration (defaults, ERR_CONFIG naming the field), subjects and message ids,
 * and the provisional view: applyThreatReport gives the very row the store writes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveConfig } from '../../src/config.js';
import { ServerError } from '../../src/errors.js';
import { resolveStreamConfig, STREAM_DEFAULTS } from '../../src/stream/config.js';
import type { ServerEvent } from '../../src/stream/events.js';
import { InProcessBus } from '../../src/stream/in-process-bus.js';
import { reportMsgId, streamNames } from '../../src/stream/subjects.js';
import { threatReportPlan } from '../../src/threats/plan.js';
import { currentPolicy } from '../../src/threats/policy-versions.js';
import { applyThreatReport } from '../../src/threats/state.js';
import { testServer } from '../helpers/server.js';
import { adapters } from '../helpers/stores.js';
import { Reporter, threat } from '../threats/reporter.js';

const ev = (n: number): ServerEvent => ({
  type: 'verdict',
  deviceId: `d${n}`,
  state: 'clean',
  blockPayments: false,
  seq: n,
  at: n,
});
const tick = () => new Promise((r) => setImmediate(r));

describe('in-process event bus', () => {
  it('delivers after the publisher’s turn, in order, to every listener', async () => {
    const bus = new InProcessBus();
    const a: number[] = [];
    const b: number[] = [];
    bus.subscribe((e) => a.push((e as { seq: number }).seq));
    const stop = bus.subscribe((e) => b.push((e as { seq: number }).seq));
    bus.publish(ev(1));
    bus.publish(ev(2));
    assert.deepEqual(a, [], 'not within publish');
    await tick();
    assert.deepEqual(a, [1, 2]);
    assert.deepEqual(b, [1, 2]);
    stop();
    bus.publish(ev(3));
    await tick();
    assert.deepEqual(a, [1, 2, 3]);
    assert.deepEqual(b, [1, 2]);
    await bus.close();
    bus.publish(ev(4));
    await tick();
    assert.deepEqual(a, [1, 2, 3], 'nothing after close');
  });

  it('a listener that throws is logged and the others still get the event', async () => {
    const warnings: string[] = [];
    const bus = new InProcessBus({ log: { warn: (_o, m) => warnings.push(m) } });
    const got: number[] = [];
    bus.subscribe(() => {
      throw new Error('boom');
    });
    bus.subscribe((e) => got.push((e as { seq: number }).seq));
    assert.doesNotThrow(() => bus.publish(ev(1)));
    await tick();
    assert.deepEqual(got, [1]);
    assert.deepEqual(warnings, ['event bus: a listener failed']);
  });

  it('is bounded: the oldest events are dropped with a warning, publish never throws', async () => {
    const warnings: string[] = [];
    const bus = new InProcessBus({ limit: 3, log: { warn: (_o, m) => warnings.push(m) } });
    const got: number[] = [];
    bus.subscribe((e) => got.push((e as { seq: number }).seq));
    for (let i = 1; i <= 5; i++) bus.publish(ev(i));
    await tick();
    assert.deepEqual(got, [3, 4, 5]);
    assert.equal(bus.dropped, 2);
    assert.equal(warnings.length, 1, 'throttled');
  });
});

describe('stream configuration and names', () => {
  it('absent or false: no stream; defaults applied', () => {
    assert.equal(resolveStreamConfig(undefined), undefined);
    assert.equal(resolveStreamConfig(false), undefined);
    assert.equal(resolveConfig({}).stream, undefined);
    const c = resolveStreamConfig({ nats: { servers: 'nats://127.0.0.1:4222' } })!;
    assert.deepEqual(c.servers, ['nats://127.0.0.1:4222']);
    assert.equal(c.partitions, STREAM_DEFAULTS.partitions);
    assert.equal(c.streamPrefix, 'OPENVSE');
    assert.equal(c.consume, true);
    assert.deepEqual(resolveStreamConfig({ nats: { servers: ['a:4222', 'tls://b:4222'] } })!.servers, [
      'a:4222',
      'tls://b:4222',
    ]);
  });

  it('bad values: ERR_CONFIG naming the field', () => {
    const bad: [unknown, RegExp][] = [
      [{ nats: { servers: [] } }, /stream\.nats\.servers/],
      [{ nats: { servers: 'http://x:1' } }, /stream\.nats\.servers/],
      [{ nats: { servers: '' } }, /stream\.nats\.servers/],
      [{ nats: { servers: 'nats://x', streamPrefix: 'a.b' } }, /streamPrefix/],
      [{ nats: { servers: 'nats://x', subjectPrefix: 'a.>' } }, /subjectPrefix/],
      [{ nats: { servers: 'nats://x', partitions: 0 } }, /partitions/],
      [{ nats: { servers: 'nats://x', ackWaitSeconds: 1.5 } }, /ackWaitSeconds/],
      [{ nats: { servers: 'nats://x', consume: 'yes' } }, /consume/],
      [{ nats: { servers: 'nats://x', user: 'u' } }, /user/],
      [{ kafka: {} }, /stream: expected/],
    ];
    for (const [cfg, msg] of bad)
      assert.throws(
        () => resolveConfig({ stream: cfg as never }),
        (e: unknown) => e instanceof ServerError && e.code === 'ERR_CONFIG' && msg.test(e.message),
        JSON.stringify(cfg),
      );
  });

  it("subjects: a device's reports on one partition, a safe token whatever the id", () => {
    const n = streamNames({ streamPrefix: 'OPENVSE', subjectPrefix: 'openvse', partitions: 8 });
    const s = n.reportSubject('dev.*>  x');
    assert.match(s, /^openvse\.threats\.reports\.p[0-7]\.[0-9a-f]{32}$/);
    assert.equal(n.reportSubject('dev.*>  x'), s);
    assert.equal(n.reportStream, 'OPENVSE_THREAT_REPORTS');
    assert.equal(n.durable(3), 'OPENVSE_THREATS_P3');
    assert.equal(n.partitionFilter(3), 'openvse.threats.reports.p3.*');
    assert.equal(n.eventSubject('risk-decision'), 'openvse.events.risk-decision');
    assert.equal(reportMsgId('d-1', 42), 'd-1:42');
  });
});

describe('provisional view', () => {
  it('applyThreatReport gives the row the store writes (scan, heartbeat, gap)', async () => {
    const db = await (await adapters()).find((a) => a.name === 'sqlite')!.open();
    const srv = await testServer(db, { logger: false });
    try {
      const r = await Reporter.create();
      assert.equal((await r.enroll(srv.app)).status, 201);
      const policy = await currentPolicy(db.store);
      const steps = [
        { typ: 'threat-report' as const, seq: 1, threats: [threat('LD_PRELOAD')] },
        { typ: 'heartbeat' as const, seq: 4, threats: [] },
        { typ: 'threat-report' as const, seq: 5, threats: [] },
      ];
      for (const st of steps) {
        const before = await db.store.getDeviceRisk(r.deviceId);
        const accepted = {
          typ: st.typ,
          deviceId: r.deviceId,
          seq: st.seq,
          iat: 1,
          stateCounter: '1',
          receivedAt: 1000 + st.seq,
          ...(st.typ === 'threat-report'
            ? {
                scan: {
                  scanId: `s${st.seq}`,
                  reason: 'periodic',
                  clean: st.threats.length === 0,
                  threats: st.threats,
                },
              }
            : {}),
        };
        const plan = threatReportPlan(accepted, policy, before?.lastReportSeq ?? 0);
        const provisional = applyThreatReport(before, plan);
        assert.equal(await db.store.recordThreatReport(plan), 'stored');
        assert.deepEqual(provisional, await db.store.getDeviceRisk(r.deviceId), `seq ${st.seq}`);
      }
    } finally {
      await srv.close();
      await db.cleanup();
    }
  });
});
