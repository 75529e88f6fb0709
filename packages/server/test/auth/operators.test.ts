/**
 * Operators sign in for real (docs/server-api.md "Operators"; auth/operator-sessions.ts,
 * auth/passwords.ts, threats/policy-approval.ts, audit/audit-log.ts): local accounts with scrypt
 * hashes, session cookies (attributes, hashed at rest, idle and absolute expiry, sign-out), CSRF
 * on state-changing routes, roles through the routes' declarations, a second security admin's
 * approval before a fleet policy change is stored and queued, and the append-only audit log.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { OperatorAuthConfig } from '../../src/auth/auth-config.js';
import type { Caller } from '../../src/auth/callers.js';
import { hashOperatorPassword, parsePasswordHash, verifyOperatorPassword } from '../../src/auth/passwords.js';
import { type Json, TEST_KEK, type TestServer, testServer } from '../helpers/server.js';
import { adapters, type TestDb } from '../helpers/stores.js';
import { Reporter } from '../threats/reporter.js';
import { authorizationServer } from './test-tokens.js';

const PASSWORD = 'correct horse battery staple';
const RULES = { rules: [{ code: '*', reaction: 'report' }] };

/** One operator's browser: its cookie and CSRF token. */
interface Browser {
  cookie: string;
  csrf: string;
  id: string;
}

async function signIn(app: FastifyInstance, username: string, password = PASSWORD) {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/operator/sign-in',
    payload: { username, password },
  });
  return res;
}

function browserOf(res: { headers: Record<string, unknown>; json(): Json }): Browser {
  const set = String(res.headers['set-cookie']);
  const m = /^((?:__Host-)?openvse_session)=([A-Za-z0-9_-]{43});/.exec(set);
  assert.ok(m, set);
  return { cookie: `${m[1]}=${m[2]}`, id: m[2]!, csrf: res.json().csrfToken };
}

for (const a of await adapters()) {
  describe(`operators (${a.name})`, { skip: a.skip, timeout: 120_000 }, () => {
    let db: TestDb;
    let srv: TestServer;
    let t: Awaited<ReturnType<typeof authorizationServer>>;
    const operators: OperatorAuthConfig = { accounts: [], idleTimeoutSeconds: 600, sessionTtlSeconds: 3600 };
    const as = {} as Record<'viewer' | 'admin1' | 'admin2' | 'issuerAdmin', Browser>;

    const call = (
      method: 'GET' | 'POST',
      url: string,
      b?: Browser,
      opts: { payload?: object; csrf?: string | null; headers?: Record<string, string> } = {},
    ) =>
      srv.app.inject({
        method,
        url,
        headers: {
          ...(b ? { cookie: b.cookie } : {}),
          ...(b && opts.csrf !== null && method === 'POST' ? { 'x-openvse-csrf': opts.csrf ?? b.csrf } : {}),
          ...opts.headers,
        },
        ...(method === 'POST' ? { payload: opts.payload ?? {} } : {}),
      });
    const audit = async (action?: string) =>
      (await db.store.operators.listAudit({ limit: 100, ...(action ? { action } : {}) })).map((r) => ({
        ...r,
        detail: JSON.parse(r.detail),
      }));

    before(async () => {
      db = await a.open();
      t = await authorizationServer(() => srv.clock.now());
      const hash = await hashOperatorPassword(PASSWORD);
      operators.accounts = [
        { username: 'vera', role: 'viewer', passwordHash: hash },
        { username: 'sam', role: 'security-admin', passwordHash: hash },
        { username: 'sue', role: 'security-admin', passwordHash: await hashOperatorPassword(`${PASSWORD}!`) },
        { username: 'ida', role: 'issuer-admin', passwordHash: hash },
      ];
      srv = await testServer(db, { auth: { accessTokens: t.config.accessTokens, operators } });
    });
    after(async () => {
      await srv?.close();
      await db?.cleanup();
    });

    it('passwords: scrypt, N = 2^17, r = 8, salted; weak or foreign hashes are refused at start', async () => {
      const h = operators.accounts[0]!.passwordHash;
      assert.match(h, /^scrypt\$ln=17,r=8,p=1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
      assert.notEqual(await hashOperatorPassword(PASSWORD), h, 'a fresh salt each time');
      assert.ok(await verifyOperatorPassword(PASSWORD, parsePasswordHash(h)!));
      assert.ok(!(await verifyOperatorPassword(`${PASSWORD}x`, parsePasswordHash(h)!)));
      const weak = h.replace('ln=17', 'ln=10');
      for (const accounts of [
        [{ username: 'x', role: 'viewer', passwordHash: weak }],
        [
          {
            username: 'x',
            role: 'viewer',
            passwordHash: '$2b$12$bcryptbcryptbcryptbcryptbcryptbcryptbcryptbcryptbcr',
          },
        ],
        [{ username: 'x', role: 'root', passwordHash: h }],
        [
          { username: 'x', role: 'viewer', passwordHash: h },
          { username: 'x', role: 'analyst', passwordHash: h },
        ],
      ])
        await assert.rejects(
          testServer(db, { auth: { accessTokens: t.config.accessTokens, operators: { accounts } as Json } }),
          (e: Json) => e.code === 'ERR_CONFIG',
        );
      await assert.rejects(hashOperatorPassword('short'), /12 characters/);
    });

    it('sign-in: wrong password and unknown user are 401 and audited; success sets a strict session cookie', async () => {
      const wrong = await signIn(srv.app, 'sam', 'not the password at all');
      assert.equal(wrong.statusCode, 401);
      assert.equal(wrong.json().error.code, 'ERR_UNAUTHENTICATED');
      assert.equal(wrong.headers['set-cookie'], undefined);
      assert.equal((await signIn(srv.app, 'mallory')).statusCode, 401);
      const failed = await audit('operator.sign-in');
      assert.deepEqual(
        failed.slice(0, 2).map((r) => [r.actor, r.outcome, r.status, r.detail.reason]),
        [
          ['operator:(unknown account)', 'refused', 401, 'unknown account'],
          ['operator:sam', 'refused', 401, 'wrong password'],
        ],
      );

      const ok = await signIn(srv.app, 'vera');
      assert.equal(ok.statusCode, 200, ok.body);
      const set = String(ok.headers['set-cookie']);
      for (const attr of ['HttpOnly', 'SameSite=Strict', 'Path=/', 'Max-Age=3600'])
        assert.ok(set.includes(attr), `${attr} in ${set}`);
      assert.ok(!/Secure/.test(set), 'not Secure over plain HTTP (loopback tests)');
      assert.equal(ok.json().role, 'operator:viewer');
      assert.equal(ok.headers['cache-control'], 'no-store');
      as.viewer = browserOf(ok);
      // stored hashed: the id itself is nowhere in the table
      const stored = await db.store.operators.getSession(
        createHash('sha256').update(as.viewer.id).digest('hex'),
      );
      assert.equal(stored?.username, 'vera');
      assert.equal(await db.store.operators.getSession(as.viewer.id), undefined);
      assert.equal((await audit('operator.sign-in'))[0]!.actor, 'operator:vera');
      assert.equal((await audit('operator.sign-in'))[0]!.outcome, 'ok');

      as.admin1 = browserOf(await signIn(srv.app, 'sam'));
      as.admin2 = browserOf(await signIn(srv.app, 'sue', `${PASSWORD}!`));
      as.issuerAdmin = browserOf(await signIn(srv.app, 'ida'));
    });

    it('a Secure __Host- cookie when configured (TLS behind a proxy), read only under that name', async () => {
      const db2 = await a.open();
      const s2 = await testServer(db2, {
        auth: { accessTokens: t.config.accessTokens, operators: { ...operators, secureCookie: true } },
      });
      try {
        const ok = await signIn(s2.app, 'vera');
        const set = String(ok.headers['set-cookie']);
        assert.match(set, /^__Host-openvse_session=/);
        assert.match(set, /; Secure/);
        const b = browserOf(ok);
        const get = (cookie: string) =>
          s2.app.inject({ method: 'GET', url: '/v1/dashboard/overview', headers: { cookie } });
        assert.equal((await get(b.cookie)).statusCode, 200);
        assert.equal((await get(`openvse_session=${b.id}`)).statusCode, 401, 'not under the plain name');
      } finally {
        await s2.close();
        await db2.cleanup();
      }
    });

    it('the session authenticates operator routes; roles come from the route declarations', async () => {
      assert.equal((await call('GET', '/v1/dashboard/overview')).statusCode, 401);
      assert.equal((await call('GET', '/v1/dashboard/overview', as.viewer)).statusCode, 200);
      const me = (await call('GET', '/v1/operator/session', as.viewer)).json();
      assert.deepEqual(
        { ...me, expiresAt: typeof me.expiresAt },
        {
          mode: 'session',
          username: 'vera',
          role: 'operator:viewer',
          csrfToken: as.viewer.csrf,
          expiresAt: 'number',
        },
      );
      // a forged or unknown session id
      const forged = { ...as.viewer, cookie: `openvse_session=${'A'.repeat(43)}` };
      assert.equal((await call('GET', '/v1/dashboard/overview', forged)).statusCode, 401);
      // viewer: no policy change, no key inventory, no card lifecycle
      const p = await call('POST', '/v1/policy', as.viewer, { payload: { policy: RULES } });
      assert.equal(p.statusCode, 403);
      assert.equal(p.json().error.code, 'ERR_FORBIDDEN');
      assert.equal((await call('GET', '/v1/issuer/keys', as.viewer)).statusCode, 403);
      assert.equal((await call('GET', '/v1/issuer/keys', as.issuerAdmin)).statusCode, 200);
      assert.equal((await call('GET', '/v1/issuer/keys', as.admin1)).statusCode, 200);
      // a token is still the first way in (and a session cookie does not lift its class)
      const token = await t.bearer('svc', 'operator:viewer' as Caller);
      const both = await call('GET', '/v1/issuer/keys', as.issuerAdmin, { headers: token });
      assert.equal(both.statusCode, 403);
      const reads = await audit('keys.read');
      assert.deepEqual(
        reads.slice(0, 4).map((r) => [r.actor, r.outcome]),
        [
          // a token of another class is refused before its subject is known to the log
          ['unidentified', 'refused'],
          ['operator:sam', 'ok'],
          ['operator:ida', 'ok'],
          ['operator:vera', 'refused'],
        ],
      );
      const refusedPolicy = (await audit('policy.propose'))[0]!;
      assert.deepEqual([refusedPolicy.actor, refusedPolicy.status], ['operator:vera', 403]);
    });

    it('CSRF: a state-changing request with a session needs its token and this origin', async () => {
      const body = { payload: { policy: RULES } };
      const before_ = await db.store.countRows('policy_changes');
      for (const [why, opts] of [
        ['no token', { csrf: null }],
        ['another session’s token', { csrf: as.admin2.csrf }],
        ['garbage', { csrf: 'x' }],
        ['another origin', { headers: { origin: 'https://evil.test' } }],
        ['cross-site fetch metadata', { headers: { 'sec-fetch-site': 'cross-site' } }],
      ] as const) {
        const res = await call('POST', '/v1/policy', as.admin1, { ...body, ...opts });
        assert.equal(res.statusCode, 403, why);
        assert.equal(res.json().error.code, 'ERR_CSRF', why);
      }
      assert.equal(await db.store.countRows('policy_changes'), before_, 'nothing proposed');
      // GETs need no token; bearer-token callers need none (no ambient credential)
      assert.equal((await call('GET', '/v1/policy/changes', as.admin1, { csrf: null })).statusCode, 200);
      // sign-in from another origin (login CSRF)
      const evil = await srv.app.inject({
        method: 'POST',
        url: '/v1/operator/sign-in',
        headers: { origin: 'https://evil.test' },
        payload: { username: 'vera', password: PASSWORD },
      });
      assert.equal(evil.statusCode, 403);
      assert.equal(evil.json().error.code, 'ERR_CSRF');
      // a form post cannot sign in either (JSON only)
      const form = await srv.app.inject({
        method: 'POST',
        url: '/v1/operator/sign-in',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `username=vera&password=${encodeURIComponent(PASSWORD)}`,
      });
      assert.equal(form.statusCode, 415);
    });

    it('a policy change needs a second security admin: proposed (202), approved by another, then stored and queued', async () => {
      const device = await Reporter.create();
      assert.equal((await device.enroll(srv.app)).status, 201);
      const v0 = (await srv.app.inject({ method: 'GET', url: '/v1/policy' })).json().version;
      const outbox0 = await db.store.countRows('outbox');

      const proposed = await call('POST', '/v1/policy', as.admin1, { payload: { policy: RULES } });
      assert.equal(proposed.statusCode, 202, proposed.body);
      const change = proposed.json();
      assert.equal(change.status, 'pending');
      assert.equal(change.proposedBy, 'operator:sam');
      assert.equal(change.baseVersion, v0);
      assert.equal(
        (await srv.app.inject({ method: 'GET', url: '/v1/policy' })).json().version,
        v0,
        'not yet',
      );
      assert.equal(await db.store.countRows('outbox'), outbox0, 'nothing queued yet');
      const approve = `/v1/policy/changes/${change.changeId}/approve`;

      const self = await call('POST', approve, as.admin1);
      assert.equal(self.statusCode, 403);
      assert.equal(self.json().error.code, 'ERR_POLICY_SELF_APPROVAL');
      assert.equal((await call('POST', approve, as.viewer)).statusCode, 403);
      // the same person with a second session is still the same person
      const sam2 = browserOf(await signIn(srv.app, 'sam'));
      assert.equal((await call('POST', approve, sam2)).json().error.code, 'ERR_POLICY_SELF_APPROVAL');
      assert.equal((await call('POST', approve, as.admin2, { csrf: null })).json().error.code, 'ERR_CSRF');

      const ok = await call('POST', approve, as.admin2);
      assert.equal(ok.statusCode, 200, ok.body);
      const r = ok.json();
      assert.equal(r.policy.version, v0 + 1);
      assert.deepEqual(r.policy.rules, RULES.rules);
      assert.ok(r.queued >= 1);
      assert.equal(r.change.status, 'approved');
      assert.equal(r.change.approvedBy, 'operator:sue');
      assert.equal(r.change.version, v0 + 1);
      assert.equal((await srv.app.inject({ method: 'GET', url: '/v1/policy' })).json().version, v0 + 1);
      assert.equal(await db.store.countRows('outbox'), outbox0 + r.queued, 'queued to every device');
      const again = await call('POST', approve, as.admin2);
      assert.equal(again.statusCode, 409);
      assert.equal(again.json().error.code, 'ERR_POLICY_CHANGE_STATE');
      assert.equal(
        (await call('POST', '/v1/policy/changes/00000000-0000-4000-8000-000000000000/approve', as.admin2))
          .statusCode,
        404,
      );

      // a change proposed against an older version cannot be approved (it was not what was reviewed)
      const p1 = (await call('POST', '/v1/policy', as.admin1, { payload: { policy: RULES } })).json();
      const p2 = (await call('POST', '/v1/policy', as.admin2, { payload: { policy: RULES } })).json();
      assert.equal(
        (await call('POST', `/v1/policy/changes/${p2.changeId}/approve`, as.admin1)).statusCode,
        200,
      );
      const stale = await call('POST', `/v1/policy/changes/${p1.changeId}/approve`, as.admin2);
      assert.equal(stale.statusCode, 409);
      // bearer-token security admins follow the same rule, by subject
      const tokA = await t.bearer('admin-a', 'operator:security-admin' as Caller);
      const tokB = await t.bearer('admin-b', 'operator:security-admin' as Caller);
      const p3 = await srv.app.inject({
        method: 'POST',
        url: '/v1/policy',
        headers: tokA,
        payload: { policy: RULES },
      });
      assert.equal(p3.statusCode, 202);
      const u3 = `/v1/policy/changes/${p3.json().changeId}/approve`;
      assert.equal(
        (await srv.app.inject({ method: 'POST', url: u3, headers: tokA, payload: {} })).statusCode,
        403,
      );
      assert.equal(
        (await srv.app.inject({ method: 'POST', url: u3, headers: tokB, payload: {} })).statusCode,
        200,
      );
      // expired proposals cannot be approved
      const p4 = (await call('POST', '/v1/policy', as.admin1, { payload: { policy: RULES } })).json();
      srv.clock.advance(86_400_000 + 1);
      const sessions = {
        admin1: browserOf(await signIn(srv.app, 'sam')),
        admin2: browserOf(await signIn(srv.app, 'sue', `${PASSWORD}!`)),
      };
      Object.assign(as, sessions);
      const expired = await call('POST', `/v1/policy/changes/${p4.changeId}/approve`, as.admin2);
      assert.equal(expired.statusCode, 409);
      const list = (await call('GET', '/v1/policy/changes', sessions.admin2)).json();
      assert.equal(list.changes.find((c: Json) => c.changeId === p4.changeId).status, 'expired');

      const trail = await audit();
      const approvals = trail.filter((x) => x.action === 'policy.approve' && x.outcome === 'ok');
      assert.ok(approvals.some((x) => x.actor === 'operator:sue' && x.target === change.changeId));
      assert.ok(
        trail.some((x) => x.action === 'policy.approve' && x.actor === 'operator:sam' && x.status === 403),
        'the refused self-approval is in the log',
      );
      assert.ok(trail.some((x) => x.action === 'policy.propose' && x.actor === 'token:admin-a'));
    });

    it('sessions end: when idle, at their absolute expiry, and at sign-out', async () => {
      const overview = (b: Browser) => call('GET', '/v1/dashboard/overview', b);
      const v = browserOf(await signIn(srv.app, 'vera'));
      srv.clock.advance(599_000);
      assert.equal((await overview(v)).statusCode, 200, 'used within the idle timeout');
      srv.clock.advance(599_000);
      assert.equal((await overview(v)).statusCode, 200, 'idle time counts from the last use');
      srv.clock.advance(600_001);
      assert.equal((await overview(v)).statusCode, 401, 'idle too long');

      const w = browserOf(await signIn(srv.app, 'vera'));
      for (let i = 0; i < 6; i++) {
        srv.clock.advance(590_000);
        assert.equal((await overview(w)).statusCode, 200);
      }
      srv.clock.advance(590_000); // 7 × 590 s > 3600 s
      assert.equal((await overview(w)).statusCode, 401, 'absolute expiry');

      const x = browserOf(await signIn(srv.app, 'vera'));
      assert.equal((await call('POST', '/v1/operator/sign-out', x, { csrf: null })).statusCode, 403);
      const out = await call('POST', '/v1/operator/sign-out', x);
      assert.equal(out.statusCode, 200);
      assert.match(String(out.headers['set-cookie']), /openvse_session=; .*Max-Age=0/);
      assert.equal((await overview(x)).statusCode, 401);
      assert.equal((await audit('operator.sign-out'))[0]!.actor, 'operator:vera');
    });

    it('lifecycle actions are audited; the dashboard shows the log; the log cannot be changed', async () => {
      const tr = await t.bearer('wallet-tr', 'token-requestor' as Caller);
      const made = await srv.app.inject({
        method: 'POST',
        url: '/v1/cards',
        headers: tr,
        payload: { fundingPan: '4111111111111111', expiry: '3012', profile: 'V' },
      });
      assert.equal(made.statusCode, 201);
      const cardId = made.json().cardId;
      const ida = browserOf(await signIn(srv.app, 'ida'));
      assert.equal((await call('POST', `/v1/cards/${cardId}/suspend`, ida)).statusCode, 200);
      const issuer = await t.bearer('back-office', 'issuer' as Caller);
      assert.equal(
        (
          await srv.app.inject({
            method: 'POST',
            url: `/v1/cards/${cardId}/resume`,
            headers: issuer,
            payload: {},
          })
        ).statusCode,
        200,
      );
      const v = browserOf(await signIn(srv.app, 'vera'));
      const shown = await call('GET', '/v1/dashboard/audit?limit=500', v);
      assert.equal(shown.statusCode, 200);
      const entries = shown.json().entries as Json[];
      assert.deepEqual(
        entries.slice(0, 3).map((e) => [e.action, e.actor, e.target, e.outcome]),
        [
          ['operator.sign-in', 'operator:vera', null, 'ok'],
          ['card.resume', 'token:back-office', cardId, 'ok'],
          ['card.suspend', 'operator:ida', cardId, 'ok'],
        ],
      );
      assert.ok(
        entries.every((e, i) => i === 0 || e.id < entries[i - 1].id),
        'newest first',
      );
      assert.equal(JSON.stringify(entries).includes(PASSWORD), false, 'no password in the log');
      const filtered = (await call('GET', '/v1/dashboard/audit?action=card.suspend', v)).json().entries;
      assert.ok(filtered.length >= 1 && filtered.every((e: Json) => e.action === 'card.suspend'));

      // append-only in the database itself
      const raw = db.store as unknown as { run(sql: string, p?: unknown[]): Promise<number> };
      const n = await db.store.countRows('audit_log');
      await assert.rejects(raw.run("UPDATE audit_log SET actor = 'someone else'"), /append-only/);
      await assert.rejects(raw.run('DELETE FROM audit_log'), /append-only/);
      assert.equal(await db.store.countRows('audit_log'), n);
      // and no route writes or deletes it
      const doc = (await srv.app.inject({ method: 'GET', url: '/openapi.json' })).json();
      assert.deepEqual(Object.keys(doc.paths['/v1/dashboard/audit']), ['get']);
    });
  });
}

describe('operators in open development mode', () => {
  it('no sign-in, the session route says "open", and POST /v1/policy sets the policy at once', async () => {
    const [a] = await adapters();
    const db = await a!.open();
    const srv = await testServer(db, { kek: TEST_KEK });
    try {
      const s = await signIn(srv.app, 'vera');
      assert.equal(s.statusCode, 401);
      assert.deepEqual((await srv.app.inject({ method: 'GET', url: '/v1/operator/session' })).json(), {
        mode: 'open',
      });
      const p = await srv.app.inject({ method: 'POST', url: '/v1/policy', payload: { policy: RULES } });
      assert.equal(p.statusCode, 200);
      assert.equal(p.json().policy.version, 1);
      const [entry] = await db.store.operators.listAudit({ limit: 1 });
      assert.deepEqual([entry!.action, entry!.actor], ['policy.set', 'anonymous (open development mode)']);
    } finally {
      await srv.close();
      await db.cleanup();
    }
  });
});
