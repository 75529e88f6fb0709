/**
 * The dashboard's event stream, GET /v1/dashboard/events (docs/fraud-engine.md "Dashboard";
 * docs/scaling.md "Threat intelligence as a stream", "Events"), on a real socket: an event
 * published → the SSE client receives it, with the in-process bus (a threat report stored by a
 * request) and with NATS (an event published by another instance; `SYSTEM:` skip without
 * nats-server); the caller checks hold for the streaming answer (no token 401, another class 403,
 * an operator 200); closing the server ends open streams instead of waiting on them.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Caller } from '../../src/auth/callers.js';
import { publishAuthorizationDecision } from '../../src/stream/publish.js';
import { authorizationServer } from '../auth/test-tokens.js';
import { type TestServer, testServer } from '../helpers/server.js';
import { adapters, type TestDb } from '../helpers/stores.js';
import { Reporter, threat } from '../threats/reporter.js';
import { natsSkip, TestNats } from './nats-server.js';

const sqlite = (await adapters()).find((a) => a.name === 'sqlite')!;

/** An SSE client: the answer, and a function that waits for the next message matching `pred`. */
async function sse(base: string, headers: Record<string, string> = {}) {
  const ctrl = new AbortController();
  const res = await fetch(`${base}/v1/dashboard/events`, {
    headers: { accept: 'text/event-stream', ...headers },
    signal: ctrl.signal,
  });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  const messages: { event: string; data: Record<string, unknown> }[] = [];
  let ended = false;
  const pump = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buf += decoder.decode(value, { stream: true });
        let i = buf.indexOf('\n\n');
        while (i >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) messages.push({ event, data: JSON.parse(data) });
          i = buf.indexOf('\n\n');
        }
      }
    } catch {
      // aborted
    } finally {
      ended = true;
    }
  })();
  return {
    res,
    messages,
    get ended() {
      return ended;
    },
    async next(pred: (m: { event: string; data: Record<string, unknown> }) => boolean, ms = 5000) {
      const until = Date.now() + ms;
      for (;;) {
        const m = messages.find(pred);
        if (m) return m;
        if (Date.now() > until)
          throw new Error(`no matching event within ${ms} ms: ${JSON.stringify(messages)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: async () => {
      ctrl.abort();
      await pump;
    },
  };
}

async function listen(srv: TestServer): Promise<string> {
  await srv.app.listen({ host: '127.0.0.1', port: 0 });
  const a = srv.app.server.address() as { port: number };
  return `http://127.0.0.1:${a.port}`;
}

describe('dashboard event stream (in-process bus)', () => {
  let db: TestDb;
  let srv: TestServer;
  let base: string;
  before(async () => {
    db = await sqlite.open();
    srv = await testServer(db, { logger: false });
    base = await listen(srv);
  });
  after(async () => {
    await srv?.close();
    await db?.cleanup();
  });

  it('a stored threat report and a published decision arrive as server-sent events', async () => {
    const client = await sse(base);
    try {
      assert.equal(client.res.status, 200);
      assert.match(client.res.headers.get('content-type') ?? '', /^text\/event-stream/);
      assert.equal(client.res.headers.get('cache-control'), 'no-store');
      const r = await Reporter.create();
      assert.equal((await r.enroll(srv.app)).status, 201);
      assert.equal((await r.post(srv.app, await r.report([threat('DEBUGGER_ATTACHED')]))).status, 200);
      const m = await client.next((x) => x.event === 'threat-report' && x.data.deviceId === r.deviceId);
      assert.equal(m.data.seq, 1);
      assert.deepEqual(m.data.codes, ['DEBUGGER_ATTACHED']);
      const v = await client.next((x) => x.event === 'verdict' && x.data.deviceId === r.deviceId);
      assert.equal(v.data.state, 'compromised');
      assert.equal(v.data.blockPayments, true);
      assert.ok(!('evidence' in m.data), 'no evidence in events');
      publishAuthorizationDecision(srv.app.services, {
        id: 'a-1',
        cardId: 'c-1',
        atc: 3,
        amount: 100,
        currency: '0978',
        decision: 'DECLINE',
        reason: 'DEVICE_COMPROMISED',
        createdAt: 5,
      });
      const a = await client.next((x) => x.event === 'authorization');
      assert.deepEqual(a.data, {
        type: 'authorization',
        id: 'a-1',
        cardId: 'c-1',
        atc: 3,
        amount: 100,
        currency: '0978',
        decision: 'DECLINE',
        reason: 'DEVICE_COMPROMISED',
        at: 5,
      });
    } finally {
      await client.close();
    }
  });

  it('an unknown query parameter is a 400, another method a 404', async () => {
    const bad = await fetch(`${base}/v1/dashboard/events?x=1`);
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { error: { code: string } }).error.code, 'ERR_VALIDATION');
    assert.equal((await fetch(`${base}/v1/dashboard/events`, { method: 'POST' })).status, 404);
  });

  it('closing the server ends the open streams', async () => {
    const db2 = await sqlite.open();
    const s2 = await testServer(db2, { logger: false });
    const client = await sse(await listen(s2));
    assert.equal(client.res.status, 200);
    const t0 = Date.now();
    await s2.close();
    assert.ok(Date.now() - t0 < 3000, `close took ${Date.now() - t0} ms`);
    await client.close();
    await db2.cleanup();
  });
});

describe('dashboard event stream: callers', () => {
  let db: TestDb;
  let srv: TestServer;
  let base: string;
  let as: Awaited<ReturnType<typeof authorizationServer>>;
  before(async () => {
    db = await sqlite.open();
    as = await authorizationServer();
    srv = await testServer(db, { logger: false, auth: as.config });
    base = await listen(srv);
  });
  after(async () => {
    await srv?.close();
    await db?.cleanup();
  });

  it('no token: 401; another class: 403; an operator: the stream', async () => {
    const none = await fetch(`${base}/v1/dashboard/events`);
    assert.equal(none.status, 401);
    assert.equal(((await none.json()) as { error: { code: string } }).error.code, 'ERR_UNAUTHENTICATED');
    const acquirer = await fetch(`${base}/v1/dashboard/events`, {
      headers: { authorization: `Bearer ${await as.as(Caller.ACQUIRER)}` },
    });
    assert.equal(acquirer.status, 403);
    const client = await sse(base, { authorization: `Bearer ${await as.as(Caller.OPERATOR_VIEWER)}` });
    try {
      assert.equal(client.res.status, 200);
      publishAuthorizationDecision(srv.app.services, {
        id: 'a-2',
        cardId: null,
        atc: null,
        amount: 1,
        currency: '0978',
        decision: 'APPROVE',
        reason: 'APPROVED',
        createdAt: 1,
      });
      await client.next((x) => x.event === 'authorization' && x.data.id === 'a-2');
    } finally {
      await client.close();
    }
  });
});

describe('dashboard event stream (NATS)', { skip: natsSkip, timeout: 60_000 }, () => {
  let nats: TestNats;
  let db: TestDb;
  let one: TestServer;
  let two: TestServer;
  before(async () => {
    nats = await TestNats.start();
    db = await sqlite.open();
    const tag = randomBytes(4).toString('hex');
    const stream = {
      nats: { servers: nats.url, streamPrefix: `S${tag}`, subjectPrefix: `s${tag}`, partitions: 1 },
    };
    one = await testServer(db, { logger: false, stream });
    two = await testServer(db, { logger: false, stream: { nats: { ...stream.nats, consume: false } } });
    await two.app.ready();
  });
  after(async () => {
    await one?.close();
    await two?.close();
    await db?.cleanup();
    await nats?.stop();
  });

  it("an event published by another instance reaches this instance's SSE client", async () => {
    const client = await sse(await listen(one));
    try {
      assert.equal(client.res.status, 200);
      await new Promise((r) => setTimeout(r, 200)); // the subscription reaches the broker
      publishAuthorizationDecision(two.app.services, {
        id: 'a-nats',
        cardId: 'c',
        atc: 1,
        amount: 1,
        currency: '0978',
        decision: 'APPROVE',
        reason: 'APPROVED',
        createdAt: 2,
      });
      await client.next((x) => x.event === 'authorization' && x.data.id === 'a-nats');
      // and a report ingested by the other instance, stored by this one's consumer
      const r = await Reporter.create();
      assert.equal((await r.enroll(two.app)).status, 201);
      assert.equal((await r.post(two.app, await r.report([]))).status, 200);
      await client.next((x) => x.event === 'threat-report' && x.data.deviceId === r.deviceId, 10_000);
    } finally {
      await client.close();
    }
  });
});
