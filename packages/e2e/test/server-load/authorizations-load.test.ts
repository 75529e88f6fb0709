/**
 * Load: 100 wallets × 20 taps against the CBP server listening on 127.0.0.1 (real HTTP, one
 * in-process fastify), on SQLite and on PostgreSQL (docs/testing.md; docs/server-postgres.md).
 * The devices are real CBP TAs on the software platform (@openvse/test-bench's load kit:
 * enrolled and provisioned through the production path, docs/cbp-protocol.md §1–§4); cards
 * alternate profiles V and M, and every wallet's taps carry the TA's cryptograms with increasing
 * ATCs, made before the timed phase. All wallets run at once, a third of them tap in order and
 * the others fire all their taps together; some taps are sent twice at the same time with the
 * same idempotency key, retried again after the answer, re-sent under the same key with a
 * different body, and some already-approved ATCs are replayed under a new key. Checked over HTTP
 * and directly in the database: every request answered, one stored row per idempotency key,
 * every retry got the first answer byte for byte, every genuine tap approved (no false
 * ATC_REPLAY), every replay declined ATC_REPLAY, each (card, ATC) in the ledger at most once and
 * approved at most once, LUK / SUK consumption exact (docs/design.md "Tokenization and
 * authorization", "Storage and scale").
 *
 * Bounded: 2,000 genuine taps plus ~250 extra requests per adapter, at most 64 connections,
 * 180 s per adapter. `node --test packages/e2e/dist/test/server-load/`.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createServer } from '@openvse/server';
import {
  doubleSpends,
  Http,
  type HttpAnswer,
  LOOSE_FRAUD,
  loadAttestationPolicy,
  makeFleet,
  makeTap,
  openRawDb,
  pool,
  type RawDb,
  type Tap,
  TEST_KEK,
  type TestDatabase,
  testDatabase,
  type Wallet,
} from '@openvse/test-bench';
import { adapters } from './databases.js';

const WALLETS = 100;
const TAPS = 20;
const DEVICES = 10;

for (const a of await adapters()) {
  describe(`load: ${WALLETS} wallets × ${TAPS} taps (${a.name})`, { skip: a.skip, timeout: 180_000 }, () => {
    let db: TestDatabase;
    let app: Awaited<ReturnType<typeof createServer>>;
    let http: Http;
    let raw: RawDb;
    let wallets: Wallet[];

    before(async () => {
      db = await testDatabase(a.name);
      app = await createServer({
        ...db.db,
        kek: TEST_KEK,
        issuerKeys: { mode: 'test' },
        // The software TA's code hash, at protection level L0.
        attestation: loadAttestationPolicy(),
        // 20 taps per card on one credential set: one LUK good for 20+, 20 SUKs per card.
        luk: { maxTransactions: 64, maxAmount: 1_000_000_000, ttlSeconds: 86_400 },
        sukBatch: TAPS,
        // The fraud engine runs on every provisioning and authorization (its reads are part of
        // the load) but cannot decide: a wallet firing 20 taps at once is what its velocity and
        // ATC rules exist to stop, and this test is about the ledger and idempotency guards.
        fraud: LOOSE_FRAUD,
        logger: false,
      });
      await app.listen({ port: 0, host: '127.0.0.1' });
      http = new Http(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, 64);
      raw = await openRawDb(db.db);
      wallets = await makeFleet(http, WALLETS, DEVICES);
    });
    after(async () => {
      http?.close();
      await raw?.close();
      await app?.close();
      await db?.cleanup();
    });

    it('answers every tap once, approves every genuine tap, declines every replay, never spends an ATC twice', async () => {
      const run = randomBytes(4).toString('hex');
      // Every tap made by its wallet's TA first, in ATC order, then sent as the phases say.
      const taps: Tap[][] = await pool(wallets, 16, async (w) => {
        const ws: Tap[] = [];
        for (let n = 0; n < TAPS; n++) ws.push(await makeTap(w, n, `load-${run}`));
        return ws;
      });
      const first = new Map<string, HttpAnswer>();
      const concurrentRetries: { tap: Tap; answer: Promise<HttpAnswer> }[] = [];
      const isRetried = (t: Tap) => t.wallet.index % 5 === 0 && t.n % 4 === 0;
      const authz = (body: unknown) => http.post('/v1/authorizations', body);
      const t0 = performance.now();

      // Phase 1: every wallet at once; wallets 0, 3, 6, … tap in order, the others all together.
      await Promise.all(
        taps.map(async (ws, w) => {
          const one = async (t: Tap) => {
            if (isRetried(t)) concurrentRetries.push({ tap: t, answer: authz(t.body) });
            first.set(t.body.idempotencyKey, await authz(t.body));
          };
          if (w % 3 === 0) for (const t of ws) await one(t);
          else await Promise.all(ws.map(one));
        }),
      );
      const phase1 = await Promise.all(
        concurrentRetries.map(async (r) => ({ tap: r.tap, a: await r.answer })),
      );
      const t1 = performance.now();

      // Phase 2 (after every first answer): retries, replays, conflicting bodies, all at once.
      const retried = taps.flat().filter(isRetried);
      const replayed = taps.flat().filter((t) => t.wallet.index % 4 === 0 && (t.n === 0 || t.n === 10));
      const conflicting = taps.flat().filter((t) => t.wallet.index % 10 === 1 && t.n === 1);
      const [late, replays, conflicts] = await Promise.all([
        Promise.all(retried.map(async (t) => ({ tap: t, a: await authz(t.body) }))),
        Promise.all(
          replayed.map(async (t) => ({
            tap: t,
            a: await authz({ ...t.body, idempotencyKey: `${t.body.idempotencyKey}-replay` }),
          })),
        ),
        Promise.all(
          conflicting.map(async (t) => ({ tap: t, a: await authz({ ...t.body, merchantId: 'other' }) })),
        ),
      ]);
      const t2 = performance.now();
      const genuine = taps.flat();
      console.log(
        `load ${a.name}: ${genuine.length + phase1.length} requests in ${Math.round(t1 - t0)} ms ` +
          `(${Math.round(((genuine.length + phase1.length) * 1000) / (t1 - t0))}/s), ` +
          `then ${late.length + replays.length + conflicts.length} in ${Math.round(t2 - t1)} ms`,
      );

      // Every genuine tap answered 200 and approved, with its ATC.
      const falseReplays: string[] = [];
      for (const t of genuine) {
        const r = first.get(t.body.idempotencyKey);
        assert.ok(r, `tap ${t.body.idempotencyKey} not answered`);
        assert.equal(r.status, 200, r.text);
        if (r.body.reason === 'ATC_REPLAY') falseReplays.push(t.body.idempotencyKey);
        assert.equal(r.body.decision, 'APPROVE', `${t.body.idempotencyKey}: ${r.text}`);
        assert.equal(r.body.atc, t.atc);
      }
      assert.deepEqual(falseReplays, [], 'no genuine tap may be declined as a replay');
      // Retries (concurrent and late) got the first answer byte for byte.
      for (const { tap, a: r } of [...phase1, ...late]) {
        assert.equal(r.status, 200);
        assert.equal(r.text, first.get(tap.body.idempotencyKey)!.text, `retry of ${tap.body.idempotencyKey}`);
      }
      // Replays under a new key: declined ATC_REPLAY (a new authorization, no ARPC of approval).
      for (const { tap, a: r } of replays) {
        assert.equal(r.status, 200, r.text);
        assert.equal(r.body.decision, 'DECLINE', r.text);
        assert.equal(r.body.reason, 'ATC_REPLAY', r.text);
        assert.notEqual(r.body.authorizationId, first.get(tap.body.idempotencyKey)!.body.authorizationId);
      }
      // Same key, different body: 409, nothing stored.
      for (const { a: r } of conflicts) {
        assert.equal(r.status, 409, r.text);
        assert.equal(r.body.error.code, 'ERR_IDEMPOTENCY_CONFLICT');
      }

      // The database: one row per idempotency key, each ATC spent once, by the approved tap.
      const keys = genuine.length + replays.length;
      const [counts] = await raw.query(
        'SELECT COUNT(*) AS n, COUNT(DISTINCT idempotency_key) AS k FROM authorizations',
      );
      assert.equal(Number(counts!.n), keys, 'stored authorizations = unique idempotency keys');
      assert.equal(Number(counts!.k), keys);
      assert.deepEqual(await doubleSpends(raw), [], 'no (card, ATC) spent or approved twice');
      const ledger = await raw.query('SELECT card_id, atc, authorization_id, decision FROM atc_ledger');
      assert.equal(ledger.length, genuine.length, 'one ledger row per genuine tap, none for replays');
      const byCardAtc = new Map(ledger.map((l) => [`${l.card_id}/${Number(l.atc)}`, l]));
      for (const t of genuine) {
        const l = byCardAtc.get(`${t.wallet.cardId}/${t.atc}`);
        assert.ok(l, `ledger row for ${t.body.idempotencyKey}`);
        assert.equal(l.decision, 'APPROVE');
        assert.equal(l.authorization_id, first.get(t.body.idempotencyKey)!.body.authorizationId);
      }
      const stored = await raw.query('SELECT idempotency_key, response_json FROM authorizations');
      const answered = new Map([...first].map(([k, v]) => [k, v.text]));
      for (const r of replays) answered.set(`${r.tap.body.idempotencyKey}-replay`, r.a.text);
      for (const s of stored)
        assert.deepEqual(
          JSON.parse(String(s.response_json)),
          JSON.parse(answered.get(String(s.idempotency_key)) ?? 'null'),
          `stored answer of ${s.idempotency_key}`,
        );
      // Credentials consumed exactly: each V card's LUK counted 20 times, 20 SUKs USED per M card.
      const luks = await raw.query('SELECT card_id, used_count FROM luks');
      const suks = await raw.query(
        "SELECT card_id, COUNT(*) AS n FROM suks WHERE status = 'USED' GROUP BY card_id",
      );
      const lukCount = new Map(luks.map((l) => [String(l.card_id), Number(l.used_count)]));
      const sukCount = new Map(suks.map((s) => [String(s.card_id), Number(s.n)]));
      for (const w of wallets)
        assert.equal(
          w.profile === 'V' ? lukCount.get(w.cardId) : sukCount.get(w.cardId),
          TAPS,
          `credentials of wallet ${w.index} (${w.profile})`,
        );
    });
  });
}
