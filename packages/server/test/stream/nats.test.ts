/**
 * Threat reports through NATS JetStream (docs/scaling.md "Threat intelligence as a stream"), on a
 * broker the test starts (nats-server.ts; skipped with a `SYSTEM:` reason without nats-server):
 * the receiving instance verifies and publishes, the consumer stores; the device's answer keeps
 * the ThreatReportResult shape with the provisional view and `policyMessageSeq` null, and the
 * consumer queues the policy when the verdict flips; the same report published twice is stored
 * once (the broker's `Nats-Msg-Id` window, and past it the store's seq guard), with the device's
 * counts and gaps right; the broker down → 503 ERR_STREAM_UNAVAILABLE and nothing accepted, back
 * up → accepted; NATS unreachable at start → ERR_STREAM_UNAVAILABLE; events of one instance reach
 * another's subscribers.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { createServer } from '../../src/app.js';
import type { ServerConfig } from '../../src/config.js';
import type { ServerEvent } from '../../src/stream/events.js';
import { publishAuthorizationDecision } from '../../src/stream/publish.js';
import { type StreamNames, streamNames } from '../../src/stream/subjects.js';
import type { AcceptedReport } from '../../src/threats/plan.js';
import { TEST_KEK, type TestServer, testServer } from '../helpers/server.js';
import { adapters, type TestDb } from '../helpers/stores.js';
import { Reporter, threat } from '../threats/reporter.js';
import { natsSkip, TestNats, waitFor } from './nats-server.js';

const sqlite = (await adapters()).find((a) => a.name === 'sqlite')!;

describe('threat reports through NATS JetStream', { skip: natsSkip, timeout: 120_000 }, () => {
  let nats: TestNats;
  let db: TestDb;
  let srv: TestServer;
  let stream: ServerConfig['stream'];
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let names: StreamNames;

  before(async () => {
    nats = await TestNats.start();
    db = await sqlite.open();
    const tag = randomBytes(4).toString('hex');
    stream = {
      nats: {
        servers: nats.url,
        streamPrefix: `T${tag}`,
        subjectPrefix: `t${tag}`,
        partitions: 2,
        ackWaitSeconds: 2,
        publishTimeoutMs: 1000,
      },
    };
    srv = await testServer(db, { stream });
    await srv.app.ready();
    nc = await connect({ servers: nats.url });
    jsm = await jetstreamManager(nc);
    names = streamNames({ streamPrefix: `T${tag}`, subjectPrefix: `t${tag}`, partitions: 2 });
  });
  after(async () => {
    await nc?.close();
    await srv?.close();
    await db?.cleanup();
    await nats?.stop();
  });

  const risk = async (r: Reporter) => db.store.getDeviceRisk(r.deviceId);
  const enrolled = async () => {
    const r = await Reporter.create();
    assert.equal((await r.enroll(srv.app)).status, 201);
    return r;
  };

  it('answers with the provisional view; the consumer stores the report and queues the policy', async () => {
    const r = await enrolled();
    const res = await r.post(srv.app, await r.report([threat('DEBUGGER_ATTACHED')]));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(Object.keys(res.body).sort(), [
      'deviceId',
      'gap',
      'policyMessageSeq',
      'risk',
      'seq',
      'typ',
    ]);
    assert.equal(res.body.gap, 0);
    assert.equal(res.body.risk.state, 'compromised');
    assert.equal(res.body.risk.lastReportSeq, 1);
    assert.equal(res.body.policyMessageSeq, null, 'the consumer queues the policy, not the request');
    await waitFor('the consumer', async () => (await risk(r))?.lastReportSeq === 1);
    // the verdict flipped: the consumer queued a blocking policy (after the enrollment's)
    await waitFor('the policy message', async () => {
      const m = (
        await srv.app.inject({ method: 'GET', url: `/v1/devices/${r.deviceId}/messages?after=0` })
      ).json().messages as { typ: string }[];
      return m.filter((x) => x.typ === 'policy').length === 2;
    });
    const view = (await srv.app.inject({ method: 'GET', url: `/v1/devices/${r.deviceId}/risk` })).json();
    assert.deepEqual(view.activeThreats, res.body.risk.activeThreats, 'the provisional view was right');
  });

  it('the same report twice is stored once; counts and gaps stay right', async () => {
    const r = await enrolled();
    const jws1 = await r.report([]);
    assert.equal((await r.post(srv.app, jws1)).status, 200);
    // the same JWS again: a replay (the broker's duplicate, or the stored seq)
    const again = await r.post(srv.app, jws1);
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'ERR_THREAT_REPORT_REPLAY');
    // publish the same accepted report twice more, straight to the stream
    const accepted: AcceptedReport = {
      typ: 'heartbeat',
      deviceId: r.deviceId,
      seq: 3,
      iat: Math.floor(Date.now() / 1000),
      stateCounter: '1',
      receivedAt: srv.clock.now(),
    };
    const reports = srv.app.services.reports!;
    assert.equal(await reports.publishReport(accepted), 'accepted');
    assert.equal(await reports.publishReport(accepted), 'duplicate', 'dropped by the Nats-Msg-Id window');
    await waitFor('seq 3 stored', async () => (await risk(r))?.lastReportSeq === 3);
    // past the duplicate window (another message id): the store's seq guard counts it once
    const ack = await jetstream(nc).publish(names.reportSubject(r.deviceId), JSON.stringify(accepted), {
      msgID: `${r.deviceId}:3:late`,
    });
    assert.equal(ack.duplicate, false);
    const partition = Number(names.reportSubject(r.deviceId).split('.')[3]!.slice(1));
    await waitFor('the late copy consumed', async () => {
      const info = await jsm.consumers.info(names.reportStream, names.durable(partition));
      return info.num_pending === 0 && info.num_ack_pending === 0;
    });
    const row = (await risk(r))!;
    assert.equal(row.lastReportSeq, 3);
    assert.equal(row.reports, 2, 'seq 1 and seq 3, each once');
    assert.equal(row.seqGaps, 1, 'seq 2 never arrived');
    const rows = await db.store.listThreats({ deviceId: r.deviceId, limit: 10 });
    assert.equal(rows.length, 0, 'no threats in a clean scan and a heartbeat');
  });

  it('broker down: 503 ERR_STREAM_UNAVAILABLE, nothing accepted; broker back: accepted', async () => {
    const r = await enrolled();
    assert.equal((await r.post(srv.app, await r.report([]))).status, 200);
    await waitFor('seq 1 stored', async () => (await risk(r))?.lastReportSeq === 1);
    await nats.kill();
    const jws = await r.report([threat('LD_PRELOAD')]);
    const t0 = Date.now();
    const down = await r.post(srv.app, jws);
    assert.equal(down.status, 503, JSON.stringify(down.body));
    assert.deepEqual(down.body, {
      error: {
        code: 'ERR_STREAM_UNAVAILABLE',
        message: 'threat report: the report stream is unavailable, retry later',
      },
    });
    assert.ok(Date.now() - t0 < 5000, 'refused within the publish timeout');
    await nats.restart();
    // V-Guard keeps the report and sends it again: accepted once the broker is back
    await waitFor('the broker back', async () => (await r.post(srv.app, jws)).status === 200, 30_000);
    await waitFor('seq 2 stored', async () => (await risk(r))?.lastReportSeq === 2, 30_000);
    const row = (await risk(r))!;
    assert.equal(row.reports, 2);
    assert.equal(row.seqGaps, 0);
    assert.equal(row.activeThreats[0]?.code, 'LD_PRELOAD');
  });

  it('events of one instance reach the subscribers of another', async () => {
    const other = await testServer(db, {
      stream: { nats: { ...(stream as { nats: object }).nats, consume: false } } as ServerConfig['stream'],
    });
    try {
      await other.app.ready();
      const got: ServerEvent[] = [];
      const stop = srv.app.services.events.subscribe((e) => got.push(e));
      await new Promise((r) => setTimeout(r, 200)); // the subscription reaches the broker
      publishAuthorizationDecision(other.app.services, {
        id: 'auth-1',
        cardId: 'card-1',
        atc: 7,
        amount: 1250,
        currency: '0978',
        decision: 'APPROVE',
        reason: 'APPROVED',
        createdAt: 1,
      });
      await waitFor(
        'the event',
        () => got.some((e) => e.type === 'authorization' && e.id === 'auth-1'),
        10_000,
      );
      stop();
      assert.equal(other.app.services.events.transport, 'nats');
    } finally {
      await other.close();
    }
  });

  it('NATS unreachable at start: ERR_STREAM_UNAVAILABLE, the server does not start', async () => {
    await assert.rejects(
      createServer({
        ...db.db,
        kek: TEST_KEK,
        issuerKeys: { mode: 'test' },
        logger: false,
        stream: { nats: { servers: 'nats://127.0.0.1:1' } },
      }),
      (e: { code?: string }) => e.code === 'ERR_STREAM_UNAVAILABLE',
    );
  });
});
