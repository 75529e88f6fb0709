/**
 * Callers (docs/server-api.md "Callers"; auth/callers.ts, auth/caller-checks.ts,
 * auth/access-token.ts): every route declares its caller classes; with authentication configured,
 * a request without credentials is 401 and one with another class's valid token is 403, before
 * anything is read or written; the attacks of issue 11 that need no credentials at all fail;
 * access tokens are checked as RFC 9068 says; without authentication the server will not listen
 * beyond loopback.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEVICE_PROOF_HEADER } from '@openvse/protocol';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { ALL_CALLERS, Caller, scopeOf } from '../../src/auth/callers.js';
import { startServer } from '../../src/index.js';
import { isLoopbackHost } from '../../src/start.js';
import { STORE_TABLES } from '../../src/storage/store.js';
import { digitize, enroll, type Json, TEST_KEK, type TestServer, testServer } from '../helpers/server.js';
import { adapters, type TestDb } from '../helpers/stores.js';
import { TestTa } from '../helpers/test-ta.js';
import { authorizationServer } from './test-tokens.js';

type Route = { method: string; path: string; callers: Caller[] };

/** Every route of the OpenAPI document with its declared callers. */
async function routesOf(app: FastifyInstance): Promise<Route[]> {
  const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as Json;
  const out: Route[] = [];
  for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, Json>>))
    for (const [method, op] of Object.entries(ops))
      out.push({ method: method.toUpperCase(), path, callers: op['x-callers'] });
  return out;
}

/** A concrete URL for an OpenAPI path (`{deviceId}` → a plausible id). */
const urlOf = (path: string) => path.replace(/\{[^}]+\}/g, 'c0ffee00-0000-4000-8000-000000000001');

/** Routes any caller reaches, or only devices (by their proof): no access token applies. */
const isOpen = (r: Route) => r.callers.includes(Caller.PUBLIC) || r.callers.every((c) => c === Caller.DEVICE);
/** The first class of the route that an access token can carry. */
const tokenClassOf = (r: Route) => r.callers.find((c) => c !== Caller.DEVICE && c !== Caller.PUBLIC)!;

async function counts(db: TestDb) {
  const out: Record<string, number> = {};
  for (const t of STORE_TABLES) out[t] = await db.store.countRows(t);
  return out;
}

for (const a of await adapters()) {
  describe(`callers (${a.name})`, { skip: a.skip }, () => {
    let db: TestDb;
    let srv: TestServer;
    let as: Awaited<ReturnType<typeof authorizationServer>>;
    let routes: Route[];

    before(async () => {
      db = await a.open();
      as = await authorizationServer();
      srv = await testServer(db, { auth: as.config });
      routes = await routesOf(srv.app);
    });
    after(async () => {
      await srv.close();
      await db.cleanup();
    });

    it('every route declares its callers, from the known classes', () => {
      assert.ok(routes.length >= 25, `only ${routes.length} routes in the document`);
      for (const r of routes) {
        assert.ok(
          Array.isArray(r.callers) && r.callers.length > 0,
          `${r.method} ${r.path} declares no callers`,
        );
        for (const c of r.callers) assert.ok(ALL_CALLERS.includes(c), `${r.method} ${r.path}: ${c}`);
      }
    });

    it('a route without a declaration cannot be registered', async () => {
      const db2 = await a.open();
      const bare = await testServer(db2);
      try {
        assert.throws(() => bare.app.get('/v1/undeclared', async () => ({})), /declares no callers/);
      } finally {
        await bare.close();
        await db2.cleanup();
      }
    });

    it('no credentials: 401 on every route that is not public or device, and nothing is stored', async () => {
      const before_ = await counts(db);
      let checked = 0;
      for (const r of routes.filter((x) => !isOpen(x))) {
        const res = await srv.app.inject({
          method: r.method as 'GET',
          url: urlOf(r.path),
          ...(r.method === 'POST' ? { payload: {} } : {}),
        });
        assert.equal(res.statusCode, 401, `${r.method} ${r.path}`);
        assert.deepEqual(Object.keys(res.json().error).sort(), ['code', 'message']);
        assert.equal(res.json().error.code, 'ERR_UNAUTHENTICATED');
        assert.match(String(res.headers['www-authenticate']), /^Bearer /);
        checked++;
      }
      assert.ok(checked >= 15, `only ${checked} protected routes`);
      assert.deepEqual(await counts(db), before_);
    });

    it("another class's valid token: 403 on every protected route; its own class gets past the check", async () => {
      for (const r of routes.filter((x) => !isOpen(x))) {
        const outsiders = ALL_CALLERS.filter(
          (c) => c !== Caller.PUBLIC && c !== Caller.DEVICE && !r.callers.includes(c),
        );
        for (const c of outsiders) {
          const res = await srv.app.inject({
            method: r.method as 'GET',
            url: urlOf(r.path),
            headers: { authorization: `Bearer ${await as.as(c)}` },
            ...(r.method === 'POST' ? { payload: {} } : {}),
          });
          assert.equal(res.statusCode, 403, `${r.method} ${r.path} as ${c}`);
          assert.equal(res.json().error.code, 'ERR_FORBIDDEN');
        }
        const res = await srv.app.inject({
          method: r.method as 'GET',
          url: urlOf(r.path),
          headers: { authorization: `Bearer ${await as.as(tokenClassOf(r))}` },
          ...(r.method === 'POST' ? { payload: {} } : {}),
        });
        assert.ok(
          ![401, 403].includes(res.statusCode),
          `${r.method} ${r.path} as ${tokenClassOf(r)}: ${res.statusCode}`,
        );
      }
    });

    it('the attacks that needed no credentials now fail (issue 11, first paragraph)', async () => {
      // A card exists (digitized by the token requestor); the attacker knows its id (the open
      // dashboard showed ids before).
      const tr = { authorization: `Bearer ${await as.as(Caller.TOKEN_REQUESTOR)}` };
      const made = await srv.app.inject({
        method: 'POST',
        url: '/v1/cards',
        headers: tr,
        payload: { fundingPan: '4111111111111111', expiry: '3012', profile: 'V' },
      });
      assert.equal(made.statusCode, 201);
      const cardId = made.json().cardId as string;
      const attempts: [string, string, unknown?][] = [
        ['POST', '/v1/cards', { fundingPan: '5555555555554444', expiry: '3012', profile: 'M' }], // digitize any PAN
        ['GET', `/v1/cards/${cardId}`], // full token PAN
        ['POST', `/v1/cards/${cardId}/suspend`, {}],
        ['POST', `/v1/cards/${cardId}/delete`, {}],
        ['POST', '/v1/policy', { rules: [{ match: { minSeverity: 'low' }, reaction: 'report_only' }] }], // fleet policy
        ['GET', '/v1/issuer/keys'], // KCVs
        ['GET', '/v1/devices/c0ffee00-0000-4000-8000-000000000001/risk'],
        ['GET', '/v1/dashboard/cards'],
        ['POST', '/v1/authorizations', {}], // token-PAN oracle
      ];
      for (const [method, url, payload] of attempts) {
        const res = await srv.app.inject({
          method: method as 'GET',
          url,
          ...(payload ? { payload: payload as object } : {}),
        });
        assert.equal(res.statusCode, 401, `${method} ${url}`);
      }
      const view = await srv.app.inject({ method: 'GET', url: `/v1/cards/${cardId}`, headers: tr });
      assert.equal(view.json().status, 'ACTIVE', 'the card was not touched');
      // An operator who may read the dashboard may not change the fleet policy.
      const viewer = { authorization: `Bearer ${await as.as(Caller.OPERATOR_VIEWER)}` };
      const policy = await srv.app.inject({
        method: 'POST',
        url: '/v1/policy',
        headers: viewer,
        payload: { rules: [{ match: { minSeverity: 'low' }, reaction: 'report_only' }] },
      });
      assert.equal(policy.statusCode, 403);
      const dash = await srv.app.inject({ method: 'GET', url: '/v1/dashboard/cards', headers: viewer });
      assert.equal(dash.statusCode, 200);
    });

    it('access tokens are checked as RFC 9068 says', async () => {
      const now = Math.floor(Date.now() / 1000);
      const url = '/v1/issuer/keys';
      const call = async (token: string) =>
        (await srv.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } }))
          .statusCode;
      const scope = scopeOf(Caller.ISSUER);
      assert.equal(await call(await as.token({ scope })), 200);
      const header = (t: string) => JSON.parse(Buffer.from(t.split('.')[0]!, 'base64url').toString());
      assert.equal(header(await as.token({ scope })).typ, 'at+jwt');
      for (const [why, token] of [
        ['expired', await as.token({ scope, iat: now - 600, exp: now - 60 })],
        ['issued in the future', await as.token({ scope, iat: now + 600, exp: now + 900 })],
        ['older than maxAge', await as.token({ scope, iat: now - 7200, exp: now + 60 })],
        ['other issuer', await as.token({ scope, iss: 'https://evil.test' })],
        ['other audience', await as.token({ scope, aud: 'https://other.test' })],
        ['typ JWT (an ID token, not an access token)', await as.token({ scope, typ: 'JWT' })],
        ['no client_id', await as.token({ scope, noClientId: true })],
        ['unknown key', await as.token({ scope, key: as.otherKey })],
        ['unknown kid', await as.token({ scope, kid: 'nope' })],
      ] as const) {
        assert.equal(await call(token), 401, why);
      }
      // alg none and a re-signed payload: the signature no longer verifies.
      const good = await as.token({ scope });
      const [, payload] = good.split('.');
      const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${payload}.`;
      assert.equal(await call(none), 401, 'alg none');
      const forged = JSON.parse(Buffer.from(payload!, 'base64url').toString());
      forged.scope = scopeOf(Caller.OPERATOR_SECURITY_ADMIN);
      const swapped = `${good.split('.')[0]}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${good.split('.')[2]}`;
      assert.equal(await call(swapped), 401, 'payload swapped under a valid signature');
      // A valid token with no scope of ours: authenticated, but no class.
      assert.equal(await call(await as.token({ scope: 'openid profile' })), 403);
      // A token that verified once is remembered, but never past its expiry or maximum age.
      const short = await as.token({ scope, exp: now + 60 });
      assert.equal(await call(short), 200);
      assert.equal(await call(short), 200);
      srv.clock.advance(120_000);
      try {
        assert.equal(await call(short), 401, 'expired, though it verified before');
      } finally {
        srv.clock.advance(-120_000);
      }
    });

    it('any Authorization header that is not a valid token is a 401 with the stable shape, never 5xx', async () => {
      const MARK = 'qz7MARKx';
      await fc.assert(
        fc.asyncProperty(
          // Every value carries a marker that must never come back in the answer.
          fc.oneof(
            fc.string({ maxLength: 200 }).map((s) => `${MARK}${s}`),
            fc.string({ maxLength: 200 }).map((s) => `Bearer ${MARK}${s}`),
            fc
              .array(fc.base64String({ maxLength: 60 }), { minLength: 3, maxLength: 3 })
              .map((p) => `Bearer ${MARK}${p.join('.')}`),
          ),
          async (h) => {
            const res = await srv.app.inject({
              method: 'GET',
              url: '/v1/dashboard/overview',
              headers: { authorization: h.replace(/[\r\n]/g, ' ') },
            });
            assert.equal(res.statusCode, 401, h);
            assert.equal(res.json().error.code, 'ERR_UNAUTHENTICATED');
            assert.ok(!res.body.includes(MARK), 'the header is not echoed');
          },
        ),
        { numRuns: 200 },
      );
    });

    it('device routes need a fresh, one-time proof by the pinned platform key over this very request', async () => {
      const ta = await TestTa.create();
      const enrolled = await enroll(srv.app, ta);
      assert.equal(enrolled.status, 201, JSON.stringify(enrolled.body));
      const other = await TestTa.create();
      assert.equal((await enroll(srv.app, other)).status, 201);
      const url = `/v1/devices/${ta.deviceId}/messages?after=0`;
      const proof = (
        who: TestTa,
        over: Partial<{ deviceId: string; htm: string; htu: string; body: string; jti: string }> = {},
      ) => who.requestProof(over.htm ?? 'GET', over.htu ?? url, over.body ?? '', over);
      const get = async (p?: string, target = url) =>
        srv.app.inject({ method: 'GET', url: target, headers: p ? { [DEVICE_PROOF_HEADER]: p } : {} });

      const none = await get();
      assert.equal(none.statusCode, 401);
      assert.equal(none.json().error.code, 'ERR_UNAUTHENTICATED');
      const good = await proof(ta);
      assert.equal((await get(good)).statusCode, 200);
      assert.equal((await get(good)).statusCode, 401, 'a proof is good once');
      for (const [why, p] of [
        ['another target', await proof(ta, { htu: `/v1/devices/${ta.deviceId}/messages?after=5` })],
        ['another method', await proof(ta, { htm: 'POST' })],
        ['a body it did not carry', await proof(ta, { body: '{}' })],
        ["another device's key", await proof(other, { deviceId: ta.deviceId })],
        ['garbage', 'a.b.c'],
      ] as const)
        assert.equal((await get(p)).statusCode, 401, why);
      // The other device's own proof, replayed at this device's route: signed by the wrong key.
      const theirs = await proof(other, { htu: url });
      assert.equal((await get(theirs)).statusCode, 401);
      // A proof that names another device, under this device's own key.
      assert.equal((await get(await proof(ta, { deviceId: other.deviceId }))).statusCode, 403);
      // Too old: two minutes after its iat on the server's clock (the limit is 60 s).
      const late = await proof(ta);
      srv.clock.advance(120_000);
      assert.equal((await get(late)).statusCode, 401);
      srv.clock.advance(-120_000);

      // A POST: the digest covers the exact body bytes.
      const tr = { authorization: `Bearer ${await as.as(Caller.TOKEN_REQUESTOR)}` };
      const card = await srv.app.inject({
        method: 'POST',
        url: '/v1/cards',
        headers: tr,
        payload: { fundingPan: '4111111111111111', expiry: '3012', profile: 'V' },
      });
      const provision = `/v1/devices/${ta.deviceId}/cards/${card.json().cardId}/provision`;
      const body = JSON.stringify({ activationCode: card.json().activation.code });
      const swapped = await srv.app.inject({
        method: 'POST',
        url: provision,
        headers: {
          'content-type': 'application/json',
          [DEVICE_PROOF_HEADER]: await proof(ta, { htm: 'POST', htu: provision, body: `${body} ` }),
        },
        payload: body,
      });
      assert.equal(swapped.statusCode, 401, 'a body other than the one proven');
      const ok = await srv.app.inject({
        method: 'POST',
        url: provision,
        headers: {
          'content-type': 'application/json',
          [DEVICE_PROOF_HEADER]: await proof(ta, { htm: 'POST', htu: provision, body }),
        },
        payload: body,
      });
      assert.equal(ok.statusCode, 200, `provision with a proof and the code: ${ok.body}`);
    });

    it('public routes stay reachable without credentials', async () => {
      const ch = await srv.app.inject({ method: 'POST', url: '/v1/devices/challenge', payload: {} });
      assert.equal(ch.statusCode, 200);
      const policy = await srv.app.inject({ method: 'GET', url: '/v1/policy' });
      assert.equal(policy.statusCode, 200);
      const page = await srv.app.inject({ method: 'GET', url: '/dashboard' });
      assert.equal(page.statusCode, 200);
    });
  });
}

describe('open development mode', () => {
  it('the server listens on loopback only without auth', async () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.10', 'example.com']) {
      await assert.rejects(
        startServer({ host, port: 0, db: 'sqlite::memory:', kek: TEST_KEK, logger: false }),
        (e: Json) => e.code === 'ERR_CONFIG' && /loopback/.test(e.message),
        host,
      );
    }
    const app = await startServer({
      host: '127.0.0.1',
      port: 0,
      db: 'sqlite::memory:',
      kek: TEST_KEK,
      logger: false,
    });
    await app.close();
  });

  it('knows a loopback address', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1'])
      assert.ok(isLoopbackHost(h), h);
    for (const h of ['0.0.0.0', '::', '128.0.0.1', '127.0.0.256', '10.0.0.1', 'localhost.evil.test', ''])
      assert.ok(!isLoopbackHost(h), h);
  });

  it('without auth every route answers every caller (the declarations are still published)', async () => {
    const [a] = await adapters();
    const db = await a!.open();
    const srv = await testServer(db);
    try {
      const made = await digitize(srv.app, { profile: 'V' });
      assert.equal(made.status, 201);
      const routes = await routesOf(srv.app);
      assert.ok(routes.every((r) => r.callers.length > 0));
    } finally {
      await srv.close();
      await db.cleanup();
    }
  });
});
