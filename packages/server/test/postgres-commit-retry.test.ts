/**
 * The PostgreSQL commit of an authorization runs again when the database answers "serialization
 * failure" (40001) or "deadlock" (40P01) — nothing was written, the single statement is its own
 * transaction — which is the retry a SERIALIZABLE deployment (CockroachDB) needs
 * (docs/scaling.md "CockroachDB"). A trigger makes the database refuse the first inserts with
 * 40001 (its counter is a sequence, which a rollback does not undo); the plan is stored once.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { PostgresStore } from '../src/storage/postgres-store.js';
import { authorizationPlan, cardRow } from './helpers/rows.js';
import { adapters, PG_URL } from './helpers/stores.js';

const pgAdapter = (await adapters()).find((a) => a.name === 'postgres')!;

const plan = (atc: number) => authorizationPlan('card-retry', atc);

describe('PostgreSQL: an authorization commit is retried on 40001 / 40P01', { skip: pgAdapter.skip }, () => {
  const schema = `openvse_r_${randomBytes(6).toString('hex')}`;
  let store: PostgresStore;
  let admin: pg.Client;
  before(async () => {
    store = new PostgresStore({ connectionString: PG_URL, schema, max: 4 });
    await store.migrate();
    admin = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${schema}` });
    await admin.connect();
    await store.insertCard(cardRow('card-retry'));
    await admin.query('CREATE SEQUENCE refusals');
    await admin.query(`CREATE TABLE refuse_first (n integer NOT NULL)`);
    await admin.query(`CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF nextval('refusals') <= (SELECT COALESCE(MAX(n), 0) FROM refuse_first) THEN
          RAISE EXCEPTION 'could not serialize access' USING ERRCODE = '40001';
        END IF;
        RETURN NEW;
      END $$`);
    await admin.query(
      'CREATE TRIGGER refuse BEFORE INSERT ON authorizations FOR EACH ROW EXECUTE FUNCTION refuse()',
    );
  });
  after(async () => {
    await admin?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin?.end();
    await store?.close();
  });

  const refuseNext = async (n: number) => {
    await admin.query('TRUNCATE refuse_first');
    await admin.query('INSERT INTO refuse_first VALUES ($1)', [n]);
    await admin.query(`SELECT setval('refusals', 1, false)`);
  };

  it('refused twice, then stored once', async () => {
    await refuseNext(2);
    const before = store.commitRetries;
    assert.equal((await store.commitAuthorization(plan(1))).kind, 'stored');
    assert.equal(store.commitRetries - before, 2);
    const n = await admin.query(
      `SELECT COUNT(*)::int AS n FROM atc_ledger WHERE card_id = 'card-retry' AND atc = 1`,
    );
    assert.equal(n.rows[0].n, 1);
  });

  it('refused every time: the error reaches the caller after a bounded number of attempts, nothing written', async () => {
    await refuseNext(1000);
    await assert.rejects(store.commitAuthorization(plan(2)), (e: { code?: string }) => e.code === '40001');
    const n = await admin.query(
      `SELECT COUNT(*)::int AS n FROM atc_ledger WHERE card_id = 'card-retry' AND atc = 2`,
    );
    assert.equal(n.rows[0].n, 0);
  });
});
