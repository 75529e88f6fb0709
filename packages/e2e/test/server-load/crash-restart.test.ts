/**
 * Faults: the CBP server runs as a child process (`openvse server`, the @openvse/cli package's
 * bin, as in production), the test drives authorization load over HTTP and SIGKILLs the server
 * at a random moment, twice, restarting it on the same database each time (SQLite file;
 * PostgreSQL schema). The devices are real CBP TAs on the software platform (@openvse/test-bench's
 * load kit); every tap's cryptogram is made by its TA before the load starts. Checked after each
 * crash and at the end (docs/design.md "Tokenization and authorization", "Storage and scale"):
 *
 * - every authorization whose answer the client received is stored with that exact answer;
 * - no ATC is in the ledger twice and no (card, ATC) is approved twice (the UNIQUE constraint
 *   and a query over `authorizations`);
 * - every request that was in flight at the crash, retried with its idempotency key after the
 *   restart, gets the stored answer if it had been committed, else a fresh decision that is
 *   consistent: a genuine tap is approved (its ATC was not spent), a replay is ATC_REPLAY;
 * - answered requests re-sent after the restart get the same answer; the remaining taps all
 *   approve; at the end every genuine tap is approved exactly once.
 *
 * Also: SIGKILL during profile V replenishments (docs/cbp-protocol.md §3), after which every card
 * must recover the way a wallet does (newest `credentials` message from the outbox applied by the
 * TA, a fresh statement under that LUK, a payment with the LUK it returns) — this found the LUK
 * retired before its replacement was queued; and SIGTERM under load: exit 0, every request that
 * got an answer got a 200 that is stored, the refused / reset ones retried after a restart. The
 * server runs with the fraud engine on (every rule evaluated, thresholds out of reach:
 * LOOSE_FRAUD).
 *
 * Needs `npx tsc -b packages/e2e packages/cli` (the child runs the CLI's build).
 * `node --test packages/e2e/dist/test/server-load/`.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  doubleSpends,
  Http,
  type HttpAnswer,
  makeFleet,
  makeTap,
  openRawDb,
  pool,
  replenishRequest,
  type Tap,
  type TestDatabase,
  testDatabase,
  type Wallet,
} from '@openvse/test-bench';
import { adoptNewestCredentials } from './card-recovery.js';
import { adapters } from './databases.js';
import { looseFraudFile, type ServerProcess, spawnLoadServer } from './server-process.js';

const WALLETS = 40;
const TAPS = 20;
const CRASHES = 2;

interface Req {
  key: string;
  body: Tap['body'];
  kind: 'genuine' | 'replay';
  tap: Tap;
  answer?: HttpAnswer;
  /** The connection failed: the request may or may not have reached the server. */
  lost?: boolean;
}

for (const a of await adapters()) {
  describe(`faults: SIGKILL under load, restart on the same database (${a.name})`, {
    skip: a.skip,
    timeout: 240_000,
  }, () => {
    let db: TestDatabase;
    let srv: ServerProcess | undefined;

    const start = async (on: TestDatabase = db) => {
      srv = await spawnLoadServer(on.db, { sukBatch: TAPS, fraudFile: fraud.path });
      return new Http(srv.address, 16);
    };

    let fraud: { path: string; cleanup(): void };
    before(async () => {
      db = await testDatabase(a.name);
      fraud = looseFraudFile();
    });
    after(async () => {
      fraud?.cleanup();
      if (srv && srv.child.exitCode === null && srv.child.signalCode === null) {
        srv.child.kill('SIGKILL');
        await srv.exited;
      }
      await db?.cleanup();
    });

    it('keeps every answered decision, never approves an ATC twice, and retries in-flight requests consistently', async () => {
      const run = randomBytes(4).toString('hex');
      let http = await start();
      const wallets: Wallet[] = await makeFleet(http, WALLETS, 4);
      // Every tap made by its wallet's TA first, in ATC order; the drive below sends them.
      const taps = await pool(wallets, 16, async (w) => {
        const ws: Tap[] = [];
        for (let n = 0; n < TAPS; n++) ws.push(await makeTap(w, n, `fault-${run}`));
        return ws;
      });
      const next = wallets.map(() => 0);
      const all: Req[] = [];
      let inFlight: Req[] = [];
      const raw = await openRawDb(db.db);
      const stats = { crashes: [] as string[], committedButLost: 0, lostRetried: 0 };

      const send = async (h: Http, r: Req): Promise<void> => {
        try {
          r.answer = await h.post('/v1/authorizations', r.body);
          r.lost = false;
        } catch {
          r.lost = true;
        }
      };

      try {
        for (let cycle = 0; cycle <= CRASHES; cycle++) {
          // After a restart: retry every request that was in flight, with its idempotency key.
          if (inFlight.length > 0) {
            const keys = inFlight.map((r) => r.key);
            const storedBefore = new Map(
              (
                await raw.query(
                  `SELECT idempotency_key, response_json FROM authorizations WHERE idempotency_key IN (${keys.map(() => '?').join(',')})`,
                  keys,
                )
              ).map((s) => [String(s.idempotency_key), JSON.parse(String(s.response_json))]),
            );
            await Promise.all(inFlight.map((r) => send(http, r)));
            for (const r of inFlight) {
              assert.equal(r.lost, false, `retry of ${r.key} after restart`);
              assert.equal(r.answer!.status, 200, r.answer!.text);
              const stored = storedBefore.get(r.key);
              if (stored) {
                stats.committedButLost++;
                assert.deepEqual(
                  r.answer!.body,
                  stored,
                  `${r.key}: committed before the crash → the stored answer`,
                );
              }
              if (r.kind === 'genuine')
                assert.equal(r.answer!.body.decision, 'APPROVE', `${r.key}: ${r.answer!.text}`);
              else assert.equal(r.answer!.body.reason, 'ATC_REPLAY', `${r.key}: ${r.answer!.text}`);
            }
            stats.lostRetried += inFlight.length;
            inFlight = [];
            // Answers received before the crash: the same answer again from the new process.
            const answered = all.filter((r) => r.answer && !r.lost);
            const again = await Promise.all(answered.map((r) => http.post('/v1/authorizations', r.body)));
            for (const [i, r] of answered.entries())
              assert.deepEqual(again[i]!.body, r.answer!.body, `${r.key} after restart`);
          }

          // Drive: every wallet taps in order; after some approvals, replay the ATC under a new key.
          const crash = cycle < CRASHES;
          const remaining = next.reduce((s, n) => s + (TAPS - n), 0);
          const killAt = crash ? randomInt(Math.floor(remaining / 5), Math.floor(remaining / 2)) : Infinity;
          let answeredNow = 0;
          let killed = false;
          const h = http;
          const proc = srv!;
          await Promise.all(
            wallets.map(async (w) => {
              while (next[w.index]! < TAPS && !killed) {
                const t = taps[w.index]![next[w.index]!]!;
                const r: Req = { key: t.body.idempotencyKey, body: t.body, kind: 'genuine', tap: t };
                all.push(r);
                await send(h, r);
                if (r.lost) {
                  inFlight.push(r);
                  next[w.index]!++;
                  return;
                }
                next[w.index]!++;
                assert.equal(r.answer!.status, 200, r.answer!.text);
                assert.equal(r.answer!.body.decision, 'APPROVE', `${r.key}: ${r.answer!.text}`);
                if (++answeredNow === killAt) {
                  const delay = randomInt(0, 25);
                  stats.crashes.push(`cycle ${cycle}: SIGKILL ${delay} ms after ${killAt} answers`);
                  setTimeout(() => {
                    killed = true;
                    proc.child.kill('SIGKILL');
                  }, delay);
                }
                if (t.n % 7 === 3) {
                  const rp: Req = {
                    key: `${t.body.idempotencyKey}-replay`,
                    body: { ...t.body, idempotencyKey: `${t.body.idempotencyKey}-replay` },
                    kind: 'replay',
                    tap: t,
                  };
                  all.push(rp);
                  await send(h, rp);
                  if (rp.lost) {
                    inFlight.push(rp);
                    return;
                  }
                  assert.equal(rp.answer!.body.reason, 'ATC_REPLAY', rp.answer!.text);
                }
              }
            }),
          );
          h.close();
          if (!crash) break;
          const exit = await proc.exited;
          assert.equal(exit.signal, 'SIGKILL');

          // Right after the crash, before anything restarts: what the client saw is what is stored.
          const stored = new Map(
            (await raw.query('SELECT idempotency_key, decision, response_json FROM authorizations')).map(
              (s) => [String(s.idempotency_key), s],
            ),
          );
          for (const r of all.filter((x) => x.answer && !x.lost)) {
            const s = stored.get(r.key);
            assert.ok(s, `${r.key} was answered, so it must be stored`);
            assert.equal(s.decision, r.answer!.body.decision);
            assert.deepEqual(JSON.parse(String(s.response_json)), r.answer!.body);
          }
          assert.deepEqual(await doubleSpends(raw), [], 'no ATC spent or approved twice');
          http = await start();
        }

        // The end: every genuine tap approved exactly once, by the authorization the client holds.
        const genuine = all.filter((r) => r.kind === 'genuine');
        assert.equal(genuine.length, WALLETS * TAPS);
        assert.deepEqual(await doubleSpends(raw), []);
        const ledger = await raw.query('SELECT card_id, atc, authorization_id, decision FROM atc_ledger');
        assert.equal(ledger.length, WALLETS * TAPS, 'one ledger row per genuine tap');
        const byCardAtc = new Map(ledger.map((l) => [`${l.card_id}/${Number(l.atc)}`, l]));
        for (const r of genuine) {
          const l = byCardAtc.get(`${r.tap.wallet.cardId}/${r.tap.atc}`);
          assert.ok(l, r.key);
          assert.equal(l.decision, 'APPROVE');
          assert.equal(l.authorization_id, r.answer!.body.authorizationId, r.key);
        }
        const [c] = await raw.query('SELECT COUNT(*) AS n FROM authorizations');
        assert.equal(Number(c!.n), all.length, 'one stored authorization per idempotency key');
        console.log(
          `faults ${a.name}: ${all.length} authorizations; ${stats.crashes.join('; ')}; ` +
            `${stats.lostRetried} in flight retried, ${stats.committedButLost} of them committed before the crash`,
        );
      } finally {
        await raw.close();
      }
      // A clean stop after all that.
      srv!.child.kill('SIGTERM');
      assert.equal((await srv!.exited).code, 0);
    });

    it('SIGKILL during replenishments: every profile V card can still get a LUK and pay', async () => {
      const own = await testDatabase(a.name);
      try {
        let http = await start(own);
        const run = randomBytes(4).toString('hex');
        // One TA per wallet, so that each device's statements (state counter) arrive in order.
        const wallets = await makeFleet(http, 24, 24, { profileOf: () => 'V' });
        // Two taps per card under the first LUK: the first statement carries a real log (the
        // TA's own: it logs every cryptogram made under a LUK).
        for (const w of wallets) {
          for (let n = 0; n < 2; n++) {
            const t = await makeTap(w, n, `rep-${run}`);
            const r = await http.post('/v1/authorizations', t.body);
            assert.equal(r.body.decision, 'APPROVE', r.text);
          }
        }
        const proc = srv!;
        const killAt = randomInt(15, 60);
        let answered = 0;
        let killed = false;
        await Promise.all(
          wallets.map(async (w) => {
            for (let round = 0; round < 10 && !killed; round++) {
              const req = await replenishRequest(w);
              let r: HttpAnswer;
              try {
                r = await http.post(req.path, req.body);
              } catch {
                return; // the crash: in flight
              }
              assert.equal(r.status, 200, r.text);
              await w.ta.apply(r.body.messages);
              if (++answered === killAt)
                setTimeout(
                  () => {
                    killed = true;
                    proc.child.kill('SIGKILL');
                  },
                  randomInt(0, 10),
                );
            }
          }),
        );
        http.close();
        if (!killed) {
          killed = true;
          proc.child.kill('SIGKILL');
        }
        await proc.exited;
        http = await start(own);
        // Recovery as a wallet does it: fetch the device's outbox, adopt the newest credentials
        // for the card (the TA applies it unless it already did: one device per card), send a
        // fresh statement under that LUK, pay with the LUK it returns.
        const stuck: string[] = [];
        for (const w of wallets) {
          await adoptNewestCredentials(http, w);
          const req = await replenishRequest(w);
          const r = await http.post(req.path, req.body);
          if (r.status !== 200) {
            stuck.push(`${w.index}: ${r.body?.error?.code}`);
            continue;
          }
          await w.ta.apply(r.body.messages);
          const t = await makeTap(w, 2, `rep-after-${run}`);
          const p = await http.post('/v1/authorizations', t.body);
          assert.equal(p.body.decision, 'APPROVE', `wallet ${w.index} after recovery: ${p.text}`);
        }
        assert.deepEqual(stuck, [], 'cards that can no longer be replenished after the crash');
        console.log(
          `faults ${a.name}: SIGKILL after ${killAt} replenishments; all ${wallets.length} cards recovered`,
        );
        http.close();
        srv!.child.kill('SIGTERM');
        assert.equal((await srv!.exited).code, 0);
      } finally {
        await own.cleanup();
      }
    });

    it('SIGTERM under load: in-flight requests are answered, exit 0, nothing lost or doubled', async () => {
      const own = await testDatabase(a.name);
      try {
        let http = await start(own);
        const run = randomBytes(4).toString('hex');
        const wallets = await makeFleet(http, 20, 2);
        const taps = (
          await pool(wallets, 16, async (w) => {
            const ws: Tap[] = [];
            for (let n = 0; n < TAPS; n++) ws.push(await makeTap(w, n, `term-${run}`));
            return ws;
          })
        ).flat();
        const answers = new Map<string, HttpAnswer>();
        const failed: Tap[] = [];
        const proc = srv!;
        const stopAfter = randomInt(40, 160);
        let stopping = false;
        await pool(taps, 16, async (t) => {
          if (stopping) {
            failed.push(t);
            return;
          }
          try {
            const r = await http.post('/v1/authorizations', t.body);
            answers.set(t.body.idempotencyKey, r);
            if (answers.size === stopAfter) proc.child.kill('SIGTERM');
          } catch {
            // Refused (closed listener) or reset (an idle keep-alive connection reaped by the
            // close while the next request was on its way): the client retries with the key.
            stopping = true;
            failed.push(t);
          }
        });
        assert.equal((await proc.exited).code, 0, proc.stderr());
        for (const [key, r] of answers) {
          // Served during the drain: a 200 like any other, never fastify's bare 503.
          assert.equal(r.status, 200, `${key}: ${r.text}`);
          assert.equal(r.body.decision, 'APPROVE', `${key}: ${r.text}`);
        }
        const raw = await openRawDb(own.db);
        try {
          const stored = new Map(
            (await raw.query('SELECT idempotency_key, response_json FROM authorizations')).map((s) => [
              String(s.idempotency_key),
              JSON.parse(String(s.response_json)),
            ]),
          );
          for (const [key, r] of answers) assert.deepEqual(stored.get(key), r.body, key);
          http.close();
          http = await start(own);
          const retried = await Promise.all(failed.map((t) => http.post('/v1/authorizations', t.body)));
          failed.forEach((t, i) => {
            const r = retried[i]!;
            assert.equal(r.status, 200, r.text);
            assert.equal(r.body.decision, 'APPROVE', `${t.body.idempotencyKey}: ${r.text}`);
            const before = stored.get(t.body.idempotencyKey);
            if (before) assert.deepEqual(r.body, before);
          });
          assert.equal(answers.size + failed.length, taps.length);
          assert.deepEqual(await doubleSpends(raw), []);
          const [c] = await raw.query('SELECT COUNT(*) AS n FROM atc_ledger');
          assert.equal(Number(c!.n), taps.length);
          console.log(
            `faults ${a.name}: SIGTERM after ${stopAfter} answers; ${answers.size} answered, ` +
              `${failed.length} refused, reset or not sent, then retried`,
          );
        } finally {
          await raw.close();
          http.close();
        }
        srv!.child.kill('SIGTERM');
        assert.equal((await srv!.exited).code, 0);
      } finally {
        await own.cleanup();
      }
    });
  });
}
