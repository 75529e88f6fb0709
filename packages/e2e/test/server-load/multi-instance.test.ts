/**
 * Many instances: three CBP server processes (`openvse server`, the @openvse/cli package's bin, as
 * in production) on one PostgreSQL database, one schema: they start together on the empty schema
 * (the migrations run under the advisory lock), and the test spreads every request over them at
 * random, as a load balancer would. 100 wallets — real CBP TAs on the software platform
 * (@openvse/test-bench's load kit), one device each, cards alternating profiles V and M — tap 8
 * times each; a third of the taps are sent at the same moment to two instances with the same
 * idempotency key, some approved ATCs are replayed under a new key on another instance, and every
 * profile V card replenishes halfway with its statement sent to two instances at once
 * (docs/cbp-protocol.md §3). Mid-run one instance is SIGKILLed and restarted on the same database:
 * every request lost with it goes again, with its idempotency key (a replenishment: the same
 * statement), to another instance or the restarted one, and a wallet whose replenishment got no
 * credentials takes the newest ones from its outbox, else sends a fresh statement. At the end every
 * wallet pays once more (profile V after taking its newest credentials and replenishing). Checked
 * over HTTP and directly in the database (docs/design.md "Tokenization and authorization",
 * "Storage and scale"; docs/server-postgres.md "What the database guarantees"):
 *
 * - no (card, ATC) in the ledger twice or approved twice (right after the crash and at the end);
 * - every answer a client received is stored with that exact answer (right after the crash and at
 *   the end), both answers of a duplicate submission are the same, one row per idempotency key;
 * - every genuine tap approved exactly once, by the authorization the client holds; every replay
 *   declined ATC_REPLAY;
 * - one replenish statement sent twice gets credentials at most once; every profile V card ends
 *   with exactly one live LUK (the one its last payment used) and each of its LUKs counted exactly
 *   the approvals the ledger has under it; each profile M card's USED SUKs are exactly its
 *   approved ATCs, the others still UNUSED.
 *
 * PostgreSQL only (several instances share a database there; SQLite is single-instance): skipped
 * with the SYSTEM tag when it is unreachable, a failure under OPENVSE_REQUIRE_SYSTEM=1. The
 * fraud engine is on (LOOSE_FRAUD, as in the crash suite). Needs `npx tsc -b packages/e2e
 * packages/cli`; `node scripts/run-tests.mjs server-load/multi-instance`.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  doubleSpends,
  Http,
  type HttpAnswer,
  makeFleet,
  makeTap,
  openRawDb,
  pool,
  type RawDb,
  replenishRequest,
  type Tap,
  type TestDatabase,
  testDatabase,
  type Wallet,
} from '@openvse/test-bench';
import { adoptNewestCredentials } from './card-recovery.js';
import { adapters } from './databases.js';
import { looseFraudFile, type ServerProcess, spawnLoadServer } from './server-process.js';

const INSTANCES = 3;
const WALLETS = 100;
const TAPS = 8;
/** Profile V cards replenish before this tap (taps 0–3 under the first LUK, 4–7 under the second). */
const REPLENISH_BEFORE = 4;
/** SUKs per profile M card: the run's taps, the last payment and one left over. */
const SUK_BATCH = TAPS + 2;
const AUTHZ = '/v1/authorizations';

interface Instance {
  name: string;
  srv: ServerProcess;
  http: Http;
  /** False once the process has exited. */
  up: boolean;
}

/** One answer a client received to an authorization request. */
interface Received {
  key: string;
  kind: 'genuine' | 'replay';
  tap: Tap;
  answer: HttpAnswer;
  via: string;
}

/** The connection failed (refused, reset): the request may or may not have reached the server. */
const isLost = (e: unknown): boolean =>
  ['ECONNREFUSED', 'ECONNRESET', 'EPIPE'].includes((e as NodeJS.ErrnoException)?.code ?? '');

/** Every stored authorization: idempotency key → the stored answer. */
async function storedAnswers(raw: RawDb): Promise<Map<string, unknown>> {
  return new Map(
    (await raw.query('SELECT idempotency_key, response_json FROM authorizations')).map((s) => [
      String(s.idempotency_key),
      JSON.parse(String(s.response_json)),
    ]),
  );
}

function assertStored(stored: Map<string, unknown>, received: readonly Received[], when: string): void {
  for (const r of received) {
    const s = stored.get(r.key);
    assert.ok(s, `${when}: ${r.key} was answered (via ${r.via}), so it must be stored`);
    assert.deepEqual(s, r.answer.body, `${when}: the stored answer of ${r.key} (answered via ${r.via})`);
  }
}

const postgres = (await adapters()).find((a) => a.name === 'postgres')!;

describe(`many instances: ${INSTANCES} server processes on one PostgreSQL schema, one SIGKILLed and restarted`, {
  skip: postgres.skip,
  timeout: 240_000,
}, () => {
  let db: TestDatabase;
  let fraud: { path: string; cleanup(): void } | undefined;
  const instances: Instance[] = [];

  const start = async (name: string): Promise<Instance> => {
    const srv = await spawnLoadServer(db.db, { sukBatch: SUK_BATCH, fraudFile: fraud!.path });
    const inst: Instance = { name, srv, http: new Http(srv.address, 16), up: true };
    void srv.exited.then(() => {
      inst.up = false;
      inst.http.close();
    });
    instances.push(inst);
    return inst;
  };

  before(async () => {
    db = await testDatabase('postgres');
    fraud = looseFraudFile();
  });
  after(async () => {
    for (const i of instances) {
      i.http.close();
      if (i.srv.child.exitCode === null && i.srv.child.signalCode === null) {
        i.srv.child.kill('SIGKILL');
        await i.srv.exited;
      }
    }
    fraud?.cleanup();
    await db?.cleanup();
  });

  it('approves every genuine tap once, keeps every answer, one live LUK per V card, exact SUKs', async () => {
    // Started together on the empty schema: the migrations are applied once, under the lock.
    await Promise.all(Array.from({ length: INSTANCES }, (_, i) => start(`#${i}`)));
    const raw = await openRawDb(db.db);
    const stats = {
      lost: 0,
      duplicates: 0,
      replays: 0,
      replenishPairs: 0,
      fromOutbox: 0,
      freshStatements: 0,
    };
    const received: Received[] = [];
    // Mid-run, while the profile V replenishments go on: the instance the k-th statement pair is
    // sent to, right after.
    const killAt = randomInt(5, (WALLETS / 2) * 0.8);
    let answered = 0;
    let killedPair = '';
    let crash: Promise<string> | undefined;

    /** An instance that is up, other than `not` when there is one, at random. */
    const pick = (not?: Instance): Instance => {
      const up = instances.filter((i) => i.up && i !== not);
      const from = up.length > 0 ? up : instances.filter((i) => i.up);
      assert.ok(from.length > 0, 'no instance is up');
      return from[randomInt(from.length)]!;
    };

    /** SIGKILL `victim`, check the database, restart it on the same database. */
    const killOne = async (victim: Instance): Promise<string> => {
      const delay = randomInt(0, 30);
      await sleep(delay);
      victim.srv.child.kill('SIGKILL');
      const answeredThen = answered;
      const exit = await victim.srv.exited;
      assert.equal(exit.signal, 'SIGKILL');
      // Right after the crash: whatever a client has been answered is stored as answered.
      const seen = received.slice();
      assertStored(await storedAnswers(raw), seen, 'after the crash');
      assert.deepEqual(await doubleSpends(raw), [], 'after the crash: no ATC spent or approved twice');
      const again = await start(`${victim.name}'`);
      return (
        `SIGKILL of ${victim.name} ${delay} ms after replenish pair ${killAt} was sent to it (${answeredThen} ` +
        `answers by then), restarted as ${again.name}`
      );
    };

    /**
     * Sends `fn` to `first` (default: any instance that is up); when the connection is lost, again
     * to another instance — the same request, so the same idempotency key or statement.
     */
    const anywhere = async <T>(
      fn: (i: Instance) => Promise<T>,
      first = pick(),
    ): Promise<{ value: T; via: Instance }> => {
      let via = first;
      for (let attempt = 0; ; attempt++) {
        try {
          const value = await fn(via);
          answered++;
          return { value, via };
        } catch (e) {
          if (!isLost(e) || attempt >= 10) throw e;
          stats.lost++;
          via = pick(via);
        }
      }
    };
    const post = async (path: string, body: unknown, first?: Instance) => {
      const r = await anywhere((i) => i.http.post(path, body), first);
      return { answer: r.value, via: r.via };
    };

    /** One genuine tap: to one instance, or to two at the same moment; some replayed after. */
    const tap = async (t: Tap, duplicate: boolean): Promise<void> => {
      const key = t.body.idempotencyKey;
      const a = pick();
      const got = await Promise.all(
        duplicate ? [post(AUTHZ, t.body, a), post(AUTHZ, t.body, pick(a))] : [post(AUTHZ, t.body, a)],
      );
      for (const g of got) {
        received.push({ key, kind: 'genuine', tap: t, answer: g.answer, via: g.via.name });
        assert.equal(g.answer.status, 200, `${key} via ${g.via.name}: ${g.answer.text}`);
        assert.equal(g.answer.body.decision, 'APPROVE', `${key} via ${g.via.name}: ${g.answer.text}`);
        assert.equal(g.answer.body.atc, t.atc);
      }
      if (duplicate) {
        stats.duplicates++;
        assert.deepEqual(got[1]!.answer.body, got[0]!.answer.body, `${key}: two instances, one answer`);
      }
      if (t.n % 4 === 1) {
        stats.replays++;
        const rk = `${key}-replay`;
        const r = await post(AUTHZ, { ...t.body, idempotencyKey: rk }, pick(got[0]!.via));
        received.push({ key: rk, kind: 'replay', tap: t, answer: r.answer, via: r.via.name });
        assert.equal(r.answer.status, 200, `${rk} via ${r.via.name}: ${r.answer.text}`);
        assert.equal(r.answer.body.decision, 'DECLINE', `${rk} via ${r.via.name}: ${r.answer.text}`);
        assert.equal(r.answer.body.reason, 'ATC_REPLAY', `${rk} via ${r.via.name}: ${r.answer.text}`);
        assert.notEqual(r.answer.body.authorizationId, got[0]!.answer.body.authorizationId);
      }
    };

    /** Profile V: a fresh statement until one gets credentials, unless the outbox has newer ones. */
    const recover = async (w: Wallet): Promise<void> => {
      for (let round = 0; round < 5; round++) {
        if ((await anywhere((i) => adoptNewestCredentials(i.http, w))).value) {
          stats.fromOutbox++;
          return;
        }
        stats.freshStatements++;
        const req = await replenishRequest(w);
        const { answer: r } = await post(req.path, req.body);
        if (r.status === 200) {
          await w.ta.apply(r.body.messages);
          return;
        }
        // Lost the claim of the outgoing LUK to a statement that was still committing: the outbox.
        assert.equal(r.status, 409, `wallet ${w.index} replenish: ${r.text}`);
      }
      assert.fail(`wallet ${w.index}: no credentials after 5 statements`);
    };

    /** Profile V: one statement sent to two instances at the same moment. */
    const replenishTwice = async (w: Wallet): Promise<void> => {
      const req = await replenishRequest(w);
      const a = pick();
      const trigger = ++stats.replenishPairs === killAt;
      if (trigger) {
        crash = killOne(a);
        crash.catch(() => undefined); // awaited (and its failure reported) after the run
      }
      const lostBefore = stats.lost;
      const got = await Promise.all([post(req.path, req.body, a), post(req.path, req.body, pick(a))]);
      if (trigger)
        killedPair = `the pair sent to it answered ${got
          .map((g) =>
            [g.answer.status, g.answer.body?.error?.code, 'by', g.via.name].filter(Boolean).join(' '),
          )
          .join(' and ')}`;
      const ok = got.filter((g) => g.answer.status === 200);
      assert.ok(ok.length <= 1, `wallet ${w.index}: one statement got credentials twice`);
      for (const g of got)
        if (g.answer.status !== 200) {
          assert.equal(g.answer.status, 409, `wallet ${w.index} via ${g.via.name}: ${g.answer.text}`);
          assert.ok(
            ['ERR_STATEMENT_REPLAY', 'ERR_REPLENISH_STALE'].includes(g.answer.body?.error?.code),
            `wallet ${w.index} via ${g.via.name}: ${g.answer.text}`,
          );
        }
      if (ok.length === 1) {
        await w.ta.apply(ok[0]!.answer.body.messages);
        return;
      }
      // Only a crash can leave a statement without credentials (accepted, then killed, or its
      // answer lost with the connection).
      assert.ok(stats.lost > lostBefore, `wallet ${w.index}: neither submission got credentials`);
      await recover(w);
    };

    try {
      const http0 = instances[0]!.http;
      // One device per wallet: each device's statements arrive in order.
      const wallets = await makeFleet(http0, WALLETS, WALLETS);
      const run = randomBytes(4).toString('hex');
      const genuine: Tap[] = [];
      const t0 = performance.now();

      // The run: every wallet at once, its taps in order, each request to a random instance.
      await Promise.all(
        wallets.map(async (w) => {
          for (let n = 0; n < TAPS; n++) {
            if (w.profile === 'V' && n === REPLENISH_BEFORE) await replenishTwice(w);
            const t = await makeTap(w, n, `multi-${run}`);
            genuine.push(t);
            await tap(t, (n + w.index) % 3 === 0);
          }
        }),
      );
      assert.ok(crash, `the kill at replenish pair ${killAt} never came`);
      const crashed = await crash;

      // The end: every wallet pays once more, profile V with its newest credentials and a new LUK.
      await pool(wallets, 16, async (w) => {
        if (w.profile === 'V') {
          await anywhere((i) => adoptNewestCredentials(i.http, w));
          const req = await replenishRequest(w);
          const { answer: r, via } = await post(req.path, req.body);
          assert.equal(r.status, 200, `wallet ${w.index} replenish via ${via.name} after the run: ${r.text}`);
          await w.ta.apply(r.body.messages);
        }
        const t = await makeTap(w, TAPS, `multi-${run}`);
        genuine.push(t);
        await tap(t, false);
      });
      const t1 = performance.now();

      // The database.
      assert.deepEqual(await doubleSpends(raw), [], 'no ATC spent or approved twice');
      const stored = await storedAnswers(raw);
      assertStored(stored, received, 'at the end');
      assert.equal(
        stored.size,
        new Set(received.map((r) => r.key)).size,
        'one stored row per idempotency key',
      );
      const answerOf = new Map(received.map((r) => [r.key, r.answer.body]));
      const ledger = await raw.query('SELECT card_id, atc, api, authorization_id, decision FROM atc_ledger');
      assert.equal(genuine.length, WALLETS * (TAPS + 1));
      assert.equal(ledger.length, genuine.length, 'one ledger row per genuine tap, none for replays');
      const byCardAtc = new Map(ledger.map((l) => [`${l.card_id}/${Number(l.atc)}`, l]));
      for (const t of genuine) {
        const l = byCardAtc.get(`${t.wallet.cardId}/${t.atc}`);
        assert.ok(l, `ledger row of ${t.body.idempotencyKey}`);
        assert.equal(l.decision, 'APPROVE');
        assert.equal(l.authorization_id, answerOf.get(t.body.idempotencyKey)!.authorizationId);
      }
      const [approvals] = await raw.query(
        "SELECT COUNT(*) AS n FROM authorizations WHERE decision = 'APPROVE'",
      );
      assert.equal(Number(approvals!.n), genuine.length, 'one approval per genuine tap');

      // Profile V: one live LUK, the last payment's; every LUK counted the approvals under it.
      const luks = await raw.query('SELECT card_id, api, retired_at, used_count FROM luks');
      const lastTap = new Map(genuine.filter((t) => t.n === TAPS).map((t) => [t.wallet.cardId, t]));
      for (const w of wallets.filter((x) => x.profile === 'V')) {
        const mine = luks.filter((l) => l.card_id === w.cardId);
        const live = mine.filter((l) => l.retired_at === null);
        assert.equal(live.length, 1, `wallet ${w.index}: live LUKs ${JSON.stringify(mine)}`);
        const last = byCardAtc.get(`${w.cardId}/${lastTap.get(w.cardId)!.atc}`)!;
        assert.equal(live[0]!.api, last.api, `wallet ${w.index}: the last payment used the live LUK`);
        assert.equal(mine.length, 3, `wallet ${w.index}: provisioned, replenished in the run and after it`);
        for (const l of mine)
          assert.equal(
            Number(l.used_count),
            ledger.filter((x) => x.card_id === w.cardId && x.api === l.api).length,
            `wallet ${w.index}: LUK ${l.api} counted its approvals`,
          );
      }
      // Profile M: the USED SUKs are the approved ATCs, each once; the rest UNUSED.
      const suks = await raw.query('SELECT card_id, atc, status FROM suks');
      for (const w of wallets.filter((x) => x.profile === 'M')) {
        const mine = suks.filter((s) => s.card_id === w.cardId);
        const atcs = (status: string) =>
          mine
            .filter((s) => s.status === status)
            .map((s) => Number(s.atc))
            .sort((x, y) => x - y);
        const approved = ledger
          .filter((l) => l.card_id === w.cardId)
          .map((l) => Number(l.atc))
          .sort((x, y) => x - y);
        assert.deepEqual(atcs('USED'), approved, `wallet ${w.index}: USED SUKs = approved ATCs`);
        assert.equal(atcs('UNUSED').length, SUK_BATCH - (TAPS + 1), `wallet ${w.index}: UNUSED SUKs`);
        assert.equal(mine.length, SUK_BATCH, `wallet ${w.index}: SUKs issued`);
      }
      console.log(
        `multi-instance: ${received.length} authorization answers (${genuine.length} genuine taps, ` +
          `${stats.duplicates} sent to two instances at once, ${stats.replays} replays) in ` +
          `${Math.round(t1 - t0)} ms; ${crashed}, ${killedPair}; ${stats.lost} requests lost and sent again; ` +
          `${stats.replenishPairs} replenish statements sent twice, ${stats.fromOutbox} cards took ` +
          `their credentials from the outbox, ${stats.freshStatements} fresh statements`,
      );
    } finally {
      await crash?.catch(() => undefined);
      await raw.close();
    }
    // A clean stop of every instance still up.
    const up = instances.filter((i) => i.up);
    assert.equal(up.length, INSTANCES);
    for (const i of up) i.srv.child.kill('SIGTERM');
    for (const i of up) assert.equal((await i.srv.exited).code, 0, `${i.name}: ${i.srv.stderr()}`);
  });
});
