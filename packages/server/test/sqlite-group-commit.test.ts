/**
 * SQLite group commit (storage/sqlite-store.ts; docs/scaling.md "SQLite: group commit"):
 * authorizations that arrive together share one transaction and one fsync, a plan that a guard
 * refuses is rolled back alone (its savepoint), and nobody is answered before the COMMIT that
 * holds their plan — a second connection already sees every row of a plan when its promise
 * resolves.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteStore } from '../src/storage/sqlite-store.js';
import { authorizationPlan, cardRow } from './helpers/rows.js';

const plan = (cardId: string, atc: number, key: string) => authorizationPlan(cardId, atc, {}, key);

describe('SQLite group commit', () => {
  let dir: string;
  let store: SqliteStore;
  let reader: Database.Database;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'openvse-group-'));
    store = new SqliteStore(join(dir, 's.db'));
    await store.migrate();
    reader = new Database(join(dir, 's.db'), { readonly: true });
    for (const id of ['g1', 'g2']) await store.insertCard(cardRow(id));
  });
  after(async () => {
    reader.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('concurrent plans share one transaction; each is answered after its COMMIT', async () => {
    const before = { ...store.groupCommits };
    const seen: boolean[] = [];
    const plans = Array.from({ length: 40 }, (_, i) => plan('g1', i + 1, `k-${i}`));
    await Promise.all(
      plans.map((p) =>
        store.commitAuthorization(p).then((r) => {
          assert.equal(r.kind, 'stored');
          // Another connection sees the plan's rows the moment its answer is given.
          const row = reader
            .prepare('SELECT COUNT(*) AS n FROM atc_ledger WHERE card_id = ? AND atc = ?')
            .get(p.ledger!.cardId, p.ledger!.atc) as { n: number };
          seen.push(row.n === 1);
        }),
      ),
    );
    assert.equal(seen.length, 40);
    assert.ok(seen.every(Boolean), 'every answer came after the commit that holds it');
    assert.equal(store.groupCommits.plans - before.plans, 40);
    assert.equal(store.groupCommits.transactions - before.transactions, 1, 'one transaction, one fsync');
  });

  it('a refused plan is rolled back alone; the rest of its group is stored', async () => {
    const before = { ...store.groupCommits };
    const results = await Promise.all([
      store.commitAuthorization(plan('g2', 1, 'r-1')),
      store.commitAuthorization(plan('g2', 1, 'r-2')), // same ATC: the gate refuses it
      store.commitAuthorization(plan('g2', 2, 'r-1')), // same idempotency key: the first answer
      store.commitAuthorization(plan('g2', 3, 'r-3')),
    ]);
    assert.deepEqual(
      results.map((r) => r.kind),
      ['stored', 'atc-replay', 'idempotent', 'stored'],
    );
    const idem = results[2]!;
    assert.equal(idem.kind === 'idempotent' && idem.existing.atc, 1);
    assert.equal(store.groupCommits.transactions - before.transactions, 1);
    const rows = reader
      .prepare("SELECT idempotency_key AS k FROM authorizations WHERE card_id = 'g2' ORDER BY k")
      .all() as { k: string }[];
    assert.deepEqual(
      rows.map((r) => r.k),
      ['r-1', 'r-3'],
    );
    const ledger = reader.prepare("SELECT atc FROM atc_ledger WHERE card_id = 'g2' ORDER BY atc").all() as {
      atc: number;
    }[];
    assert.deepEqual(
      ledger.map((r) => r.atc),
      [1, 3],
    );
  });

  it('plans still waiting when the store closes are written first', async () => {
    const dir2 = mkdtempSync(join(tmpdir(), 'openvse-group-'));
    try {
      const s2 = new SqliteStore(join(dir2, 's.db'));
      await s2.migrate();
      await s2.insertCard({ ...(await store.getCard('g1'))!, cardId: 'c', tokenPan: '4895370000000999' });
      const pending = s2.commitAuthorization(plan('c', 1, 'late'));
      await s2.close();
      assert.equal((await pending).kind, 'stored');
      const db = new Database(join(dir2, 's.db'), { readonly: true });
      assert.equal((db.prepare('SELECT COUNT(*) AS n FROM authorizations').get() as { n: number }).n, 1);
      db.close();
    } finally {
      rmSync(dir2, { recursive: true, force: true });
    }
  });
});
