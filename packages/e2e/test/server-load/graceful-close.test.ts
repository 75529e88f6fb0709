/**
 * Graceful close with keep-alive clients (what SIGTERM does; docs/server-api.md): a request in
 * flight when close() begins is answered (200, its decision stored), its keep-alive connection
 * then ends, and close() finishes promptly instead of waiting keepAliveTimeout (72 s) for the idle
 * connection. A request arriving on another open connection during the drain is served normally,
 * never answered with fastify's bare 503 body (every error is `{ error: { code, message } }`).
 * The device is a real CBP TA on the software platform (@openvse/test-bench's load kit).
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createServer } from '@openvse/server';
import {
  Http,
  loadAttestationPolicy,
  makeFleet,
  makeTap,
  TEST_KEK,
  type TestDatabase,
  testDatabase,
} from '@openvse/test-bench';

describe('graceful close with keep-alive clients', () => {
  let db: TestDatabase;
  let app: Awaited<ReturnType<typeof createServer>>;
  let slow = 0;
  before(async () => {
    db = await testDatabase('sqlite');
    app = await createServer({
      ...db.db,
      kek: TEST_KEK,
      issuerKeys: { mode: 'test' },
      attestation: loadAttestationPolicy(),
      // The risk engine is the slow step here (a remote fraud service in production).
      riskEngine: {
        assess: async () => {
          if (slow > 0) await new Promise((r) => setTimeout(r, slow));
          return { decision: 'APPROVE', reasons: [] };
        },
      },
      fraud: false,
      logger: false,
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await app?.close();
    await db?.cleanup();
  });

  it('answers the in-flight request, then closes within a second', async () => {
    const origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const http = new Http(origin, 4);
    const second = new Http(origin, 1);
    try {
      const [w] = await makeFleet(http, 1, 1);
      // The TA makes its taps in ATC order, before the close.
      const first = await makeTap(w!, 0, 'close');
      const next = await makeTap(w!, 1, 'close');
      // Warm a keep-alive connection on both clients.
      assert.equal((await http.get('/healthz')).status, 200);
      assert.equal((await second.get('/healthz')).status, 200);
      slow = 400;
      const inFlight = http.post('/v1/authorizations', first.body);
      await new Promise((r) => setTimeout(r, 100));
      const t0 = performance.now();
      const closed = app.close();
      // Another request on an already open connection during the drain.
      const during = second
        .post('/v1/authorizations', next.body)
        .catch((e: Error) => ({ status: 0, text: e.message, body: undefined }));
      const r = await inFlight;
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.decision, 'APPROVE');
      const d = await during;
      if (d.status !== 0) {
        assert.equal(d.status, 200, d.text);
        assert.equal(d.body.decision, 'APPROVE');
      }
      await closed;
      const ms = performance.now() - t0;
      // The outcome: close() did not wait for the idle keep-alive connection to time out (72 s,
      // packages/server/src/app.ts). Half of that is the bound, so a busy machine cannot fail it.
      assert.ok(ms < 36_000, `close() took ${Math.round(ms)} ms with a keep-alive client`);
    } finally {
      http.close();
      second.close();
    }
  });
});
