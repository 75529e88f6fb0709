/**
 * Abuse limits (docs/server-api.md "Rate limits"; src/http/rate-limit.ts) against a real Redis
 * (127.0.0.1:6379; OPENVSE_TEST_REDIS_URL elsewhere; skipped with a `SYSTEM:` reason when it is
 * not reachable, a failure under OPENVSE_REQUIRE_SYSTEM=1): each class is limited per caller (one
 * caller exhausted does not limit another), the counters are shared by two server instances on
 * the same Redis, an exceeded limit is a 429 ERR_RATE_LIMITED in the error shape with
 * Retry-After, and with Redis unreachable the payment-side classes fail open and the public /
 * device classes fail closed (503). Every run uses its own key prefix and deletes its keys.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DEVICE_PROOF_HEADER } from '@openvse/protocol';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { createServer } from '../src/app.js';
import { Caller } from '../src/auth/callers.js';
import type { RateLimitConfig } from '../src/http/rate-limit.js';
import { authorizationServer } from './auth/test-tokens.js';
import { enroll, type Json, TEST_KEK, type TestServer, testServer } from './helpers/server.js';
import { adapters, type TestDb, tcpReachable } from './helpers/stores.js';
import { TestTa } from './helpers/test-ta.js';

const REDIS_URL = process.env.OPENVSE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** A port nothing listens on: Redis "unreachable". */
const NO_REDIS = 'redis://127.0.0.1:1';

/** A device request proof (docs/cbp-protocol.md §7) for `POST url` with body `body`. */
const deviceProof = (ta: TestTa, url: string, body: string) => ta.requestProof('POST', url, body);

const reachable = await tcpReachable(new URL(REDIS_URL).hostname, Number(new URL(REDIS_URL).port || 6379));
const sqlite = (await adapters()).find((a) => a.name === 'sqlite')!;

describe('rate limits (Redis)', {
  skip: reachable
    ? undefined
    : `SYSTEM: Redis at ${REDIS_URL} is not reachable (start it, or set OPENVSE_TEST_REDIS_URL)`,
}, () => {
  const prefix = `openvse:rl:test:${randomBytes(6).toString('hex')}:`;
  const limits: RateLimitConfig = {
    redis: REDIS_URL,
    keyPrefix: prefix,
    authorization: { max: 3 },
    digitization: { max: 3 },
    enrollment: { max: 4 },
    provisioning: { max: 3 },
  };
  let db: TestDb;
  let as: Awaited<ReturnType<typeof authorizationServer>>;
  /** Two instances on one database and one Redis, authentication on. */
  let one: TestServer;
  let two: TestServer;

  before(async () => {
    db = await sqlite.open();
    as = await authorizationServer();
    one = await testServer(db, { auth: as.config, rateLimit: limits });
    two = await testServer(db, { auth: as.config, rateLimit: limits });
  });
  after(async () => {
    await one?.close();
    await two?.close();
    await db?.cleanup();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  const call = async (
    app: FastifyInstance,
    url: string,
    headers: Record<string, string> = {},
    payload: string = '{}',
    remoteAddress = '127.0.0.1',
  ) =>
    app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', ...headers },
      payload,
      remoteAddress,
    });

  function assertLimited(r: Awaited<ReturnType<typeof call>>, why: string, windowSeconds = 60) {
    assert.equal(r.statusCode, 429, `${why}: ${r.statusCode} ${r.body}`);
    const body = r.json() as Json;
    assert.deepEqual(Object.keys(body), ['error']);
    assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message']);
    assert.equal(body.error.code, 'ERR_RATE_LIMITED');
    const retryAfter = Number(r.headers['retry-after']);
    assert.ok(
      Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= windowSeconds,
      `Retry-After ${retryAfter}`,
    );
  }

  it('authorization: per acquirer client, across instances; another acquirer is not limited', async () => {
    const a = await as.bearer('acquirer-a', Caller.ACQUIRER);
    const b = await as.bearer('acquirer-b', Caller.ACQUIRER);
    // Counted whatever the answer (an empty body is a 400): the 1st and 3rd on one, the 2nd on two.
    for (const app of [one.app, two.app, one.app]) {
      const r = await call(app, '/v1/authorizations', a);
      assert.notEqual(r.statusCode, 429);
      assert.equal(r.headers['x-ratelimit-limit'], '3');
    }
    assertLimited(await call(two.app, '/v1/authorizations', a), 'acquirer a, 4th, on the other instance');
    // The limit is the client's, not the token's.
    assertLimited(
      await call(one.app, '/v1/authorizations', await as.bearer('acquirer-a', Caller.ACQUIRER)),
      'new token',
    );
    const other = await call(one.app, '/v1/authorizations', b);
    assert.equal(other.statusCode, 400, `acquirer b is not limited: ${other.body}`);
    // Without credentials: refused by the caller check, before (and without spending) any limit.
    assert.equal((await call(one.app, '/v1/authorizations')).statusCode, 401);
  });

  it('digitization: per token requestor client, across instances', async () => {
    const tr1 = await as.bearer('wallet-1', Caller.TOKEN_REQUESTOR);
    const tr2 = await as.bearer('wallet-2', Caller.TOKEN_REQUESTOR);
    const body = (pan: string) => JSON.stringify({ fundingPan: pan, expiry: '3012', profile: 'V' });
    const pans = ['4111111111111111', '4012888888881881', '4242424242424242', '4000056655665556'];
    for (const [i, app] of [one.app, two.app, two.app].entries()) {
      const r = await call(app, '/v1/cards', tr1, body(pans[i]!));
      assert.equal(r.statusCode, 201, r.body);
    }
    assertLimited(await call(one.app, '/v1/cards', tr1, body(pans[3]!)), 'wallet-1, 4th');
    const r = await call(one.app, '/v1/cards', tr2, body(pans[3]!));
    assert.equal(r.statusCode, 201, `wallet-2 is not limited: ${r.body}`);
  });

  it('enrollment and its challenge: per client IP, across instances', async () => {
    for (const app of [one.app, two.app, one.app, two.app])
      assert.equal((await call(app, '/v1/devices/challenge', {}, '{}', '10.0.0.1')).statusCode, 200);
    assertLimited(
      await call(one.app, '/v1/devices/challenge', {}, '{}', '10.0.0.1'),
      'challenge from 10.0.0.1',
    );
    assert.equal((await call(two.app, '/v1/devices/challenge', {}, '{}', '10.0.0.2')).statusCode, 200);
    // Enrollment itself: its own counter, also per IP (bodies the schema refuses count too).
    for (let i = 0; i < 4; i++)
      assert.equal(
        (await call(i % 2 ? one.app : two.app, '/v1/devices', {}, '{}', '10.0.0.1')).statusCode,
        400,
      );
    assertLimited(await call(one.app, '/v1/devices', {}, '{}', '10.0.0.1'), 'enroll from 10.0.0.1');
    assert.equal((await call(one.app, '/v1/devices', {}, '{}', '10.0.0.3')).statusCode, 400);
  });

  it('provisioning attempts: per proven device, across instances; forged proofs spend nothing', async () => {
    const ta = await TestTa.create();
    const other = await TestTa.create();
    assert.equal((await enroll(one.app, ta)).status, 201);
    assert.equal((await enroll(one.app, other)).status, 201);
    const url = (t: TestTa) =>
      `/v1/devices/${t.deviceId}/cards/c0ffee00-0000-4000-8000-000000000001/provision`;
    const attempt = async (app: FastifyInstance, t: TestTa) =>
      call(app, url(t), { [DEVICE_PROOF_HEADER]: await deviceProof(t, url(t), '{}') });
    /** Past the proof check and the limit: the route's own answer (no such card, no code…). */
    const reachedRoute = (r: Awaited<ReturnType<typeof call>>) =>
      r.statusCode !== 429 &&
      !['ERR_UNAUTHENTICATED', 'ERR_FORBIDDEN', 'ERR_RATE_LIMITED'].includes((r.json() as Json).error?.code);
    // An attacker without the device's key, at the device's route: 401, and the device's budget
    // is untouched (the limit runs after the proof check).
    for (let i = 0; i < 5; i++) {
      const forged = await call(one.app, url(ta), {
        [DEVICE_PROOF_HEADER]: await deviceProof(other, url(ta), '{}'),
      });
      assert.equal(forged.statusCode, 401);
    }
    for (const app of [one.app, two.app, one.app]) {
      const r = await attempt(app, ta);
      assert.ok(reachedRoute(r), `attempt: ${r.statusCode} ${r.body}`);
    }
    assertLimited(await attempt(two.app, ta), 'device, 4th attempt', 900);
    const r = await attempt(one.app, other);
    assert.ok(reachedRoute(r), `the other device is not limited: ${r.statusCode} ${r.body}`);
  });

  it('a window ends: the caller is let through again', async () => {
    const srv = await testServer(db, {
      rateLimit: { redis: REDIS_URL, keyPrefix: prefix, enrollment: { max: 1, windowSeconds: 1 } },
    });
    try {
      const ip = '10.9.9.9';
      assert.equal((await call(srv.app, '/v1/devices/challenge', {}, '{}', ip)).statusCode, 200);
      const limited = await call(srv.app, '/v1/devices/challenge', {}, '{}', ip);
      assertLimited(limited, 'second in the window');
      assert.equal(limited.headers['retry-after'], '1');
      await new Promise((r) => setTimeout(r, 1100));
      assert.equal((await call(srv.app, '/v1/devices/challenge', {}, '{}', ip)).statusCode, 200);
    } finally {
      await srv.close();
    }
  });

  it('Redis unreachable: authorization and digitization fail open, enrollment and provisioning fail closed (503)', async () => {
    const srv = await testServer(db, {
      auth: as.config,
      rateLimit: { redis: NO_REDIS, commandTimeoutMs: 200 },
    });
    try {
      const tr = await as.bearer('wallet-9', Caller.TOKEN_REQUESTOR);
      const card = await call(
        srv.app,
        '/v1/cards',
        tr,
        JSON.stringify({ fundingPan: '5555555555554444', expiry: '3012', profile: 'V' }),
      );
      assert.equal(card.statusCode, 201, card.body);
      const auth = await call(srv.app, '/v1/authorizations', await as.bearer('acquirer-9', Caller.ACQUIRER));
      assert.equal(auth.statusCode, 400, 'reaches the route (its schema refuses the empty body)');
      for (const r of [await call(srv.app, '/v1/devices/challenge'), await call(srv.app, '/v1/devices')]) {
        assert.equal(r.statusCode, 503, r.body);
        assert.deepEqual(r.json(), {
          error: { code: 'ERR_RATE_LIMIT_UNAVAILABLE', message: 'rate limiting is unavailable, retry later' },
        });
      }
      // Provisioning: a device proof that verifies (the device enrolled on a healthy instance).
      const ta = await TestTa.create();
      assert.equal((await enroll(one.app, ta)).status, 201);
      const url = `/v1/devices/${ta.deviceId}/cards/${card.json().cardId}/provision`;
      const prov = await call(srv.app, url, { [DEVICE_PROOF_HEADER]: await deviceProof(ta, url, '{}') });
      assert.equal(prov.statusCode, 503, prov.body);
      assert.equal(prov.json().error.code, 'ERR_RATE_LIMIT_UNAVAILABLE');
      assert.ok(
        srv.logs.some((l) => l.includes('rate-limit store unavailable')),
        'the outage is logged',
      );
    } finally {
      await srv.close();
    }
    // Each class's choice can be turned around.
    const flipped = await testServer(db, {
      rateLimit: { redis: NO_REDIS, commandTimeoutMs: 200, enrollment: { failOpen: true } },
    });
    try {
      assert.equal((await call(flipped.app, '/v1/devices/challenge')).statusCode, 200);
    } finally {
      await flipped.close();
    }
  });

  it('off unless configured; a bad configuration is refused before anything opens', async () => {
    const srv = await testServer(db);
    try {
      for (let i = 0; i < 10; i++) {
        const r = await call(srv.app, '/v1/devices/challenge');
        assert.equal(r.statusCode, 200);
        assert.equal(r.headers['x-ratelimit-limit'], undefined);
      }
    } finally {
      await srv.close();
    }
    for (const rateLimit of [
      { redis: 'http://127.0.0.1:6379' },
      { redis: REDIS_URL, authorization: { max: 0 } },
      { redis: REDIS_URL, provisioning: { windowSeconds: 1.5 } },
    ])
      await assert.rejects(
        createServer({
          db: 'sqlite::memory:',
          kek: TEST_KEK,
          issuerKeys: { mode: 'test' },
          logger: false,
          rateLimit,
        }),
        (e: Json) => e.code === 'ERR_CONFIG',
      );
  });
});
