/**
 * PostgreSQL adapter (`pg` Pool; docs/design.md "Storage and scale": the server is stateless
 * apart from its database and scales out on PostgreSQL). `?` placeholders are rewritten to `$n`.
 * Migrations run under a transaction-scoped advisory lock so that several instances starting
 * together apply each migration once. commitAuthorization runs on one checked-out client in a
 * READ COMMITTED transaction; concurrent inserts of the same (card, atc) or idempotency key
 * block on the unique index and the loser gets 23505, which is the guard.
 */
import pg from 'pg';
import type { AuthorizationPlan, CommitResult } from '../domain/authorizations.js';
import { MIGRATIONS, SCHEMA_MIGRATIONS_DDL } from './migrations.js';
import { authorizationFromRaw, authValues, insertSql, ledgerValues } from './rows.js';
import {
  AUTH_COLUMNS,
  COMMIT_SQL,
  LEDGER_INSERT_COLUMNS,
  mobilePinSql,
  type Raw,
  SqlStore,
  type TxStep,
} from './sql-store.js';

const MIGRATION_LOCK = 0x0bee_7ce0;

function toPg(sql: string): string {
  let i = 0;
  return sql.replace(/\?/g, () => `$${++i}`);
}

function isUniqueViolation(e: unknown): boolean {
  return (e as { code?: unknown })?.code === '23505';
}

/** How to reach the database, and which schema and pool size to use. */
export interface PostgresStoreOptions {
  connectionString: string;
  /** Schema to create (if absent) and use as search_path (tests use a random one). */
  schema?: string;
  max?: number;
}

/** The PostgreSQL adapter of the storage port. */
export class PostgresStore extends SqlStore {
  readonly dialect = 'postgres' as const;
  readonly #pool: pg.Pool;
  readonly #schema: string | undefined;

  constructor(opts: PostgresStoreOptions) {
    super();
    if (opts.schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(opts.schema))
      throw new Error('postgres schema: expected a lowercase identifier');
    this.#schema = opts.schema;
    this.#pool = new pg.Pool({
      connectionString: opts.connectionString,
      max: opts.max ?? 10,
      ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
    });
    // An idle client that errors (server restart) must not crash the process.
    this.#pool.on('error', () => {});
  }

  protected async all(sql: string, params: unknown[] = []): Promise<Raw[]> {
    const r = await this.#pool.query(toPg(sql), params);
    return r.rows as Raw[];
  }

  protected async run(sql: string, params: unknown[] = []): Promise<number> {
    const r = await this.#pool.query(toPg(sql), params);
    return r.rowCount ?? 0;
  }

  protected async tryInsert(sql: string, params: unknown[]): Promise<boolean> {
    try {
      await this.#pool.query(toPg(sql), params);
      return true;
    } catch (e) {
      if (isUniqueViolation(e)) return false;
      throw e;
    }
  }

  async migrate(): Promise<number> {
    const c = await this.#pool.connect();
    try {
      if (this.#schema) await c.query(`CREATE SCHEMA IF NOT EXISTS ${this.#schema}`);
      await c.query('BEGIN');
      await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await c.query(SCHEMA_MIGRATIONS_DDL('postgres'));
      const applied = new Set(
        (await c.query('SELECT version FROM schema_migrations')).rows.map((r) => Number(r.version)),
      );
      let n = 0;
      for (const m of MIGRATIONS) {
        if (applied.has(m.version)) continue;
        for (const s of m.statements('postgres')) await c.query(s);
        await c.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
          m.version,
          m.name,
          Date.now(),
        ]);
        n++;
      }
      await c.query('COMMIT');
      return n;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      c.release();
    }
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  /** Drops the schema this store was opened on (tests). */
  async dropSchema(): Promise<void> {
    if (!this.#schema) return;
    await this.#pool.query(`DROP SCHEMA IF EXISTS ${this.#schema} CASCADE`);
  }

  protected async runTx(steps: TxStep[]): Promise<boolean> {
    const c = await this.#pool.connect();
    try {
      await c.query('BEGIN');
      for (const st of steps) {
        let n: number;
        try {
          n = (await c.query(toPg(st.sql), st.params)).rowCount ?? 0;
        } catch (e) {
          if (!isUniqueViolation(e)) throw e;
          await c.query('ROLLBACK');
          return false;
        }
        if (st.expectOne && n !== 1) {
          await c.query('ROLLBACK');
          return false;
        }
      }
      await c.query('COMMIT');
      return true;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      c.release();
    }
  }

  async commitAuthorization(plan: AuthorizationPlan): Promise<CommitResult> {
    const c = await this.#pool.connect();
    let result: CommitResult | undefined;
    try {
      await c.query('BEGIN');
      const step = async (sql: string, params: unknown[], onConflict: () => Promise<CommitResult>) => {
        await c.query('SAVEPOINT s');
        try {
          const r = await c.query(toPg(sql), params);
          await c.query('RELEASE SAVEPOINT s');
          return r.rowCount ?? 0;
        } catch (e) {
          if (!isUniqueViolation(e)) throw e;
          await c.query('ROLLBACK TO SAVEPOINT s');
          result = await onConflict();
          return -1;
        }
      };
      const auth = await step(
        insertSql('authorizations', AUTH_COLUMNS, 'sqlite'),
        authValues(plan.authorization),
        async () => {
          // The other transaction has committed (the unique index made us wait for it).
          const r = await c.query('SELECT * FROM authorizations WHERE idempotency_key = $1', [
            plan.authorization.idempotencyKey,
          ]);
          if (!r.rows[0]) throw new Error('idempotency conflict without a row');
          return { kind: 'idempotent', existing: authorizationFromRaw(r.rows[0] as Raw) };
        },
      );
      if (auth < 0) return await this.#rollback(c, result!);
      if (plan.ledger) {
        const n = await step(
          insertSql('atc_ledger', LEDGER_INSERT_COLUMNS, 'sqlite'),
          ledgerValues(plan.ledger),
          async () => ({ kind: 'atc-replay' }),
        );
        if (n < 0) return await this.#rollback(c, result!);
      }
      if (plan.consumeSuk) {
        const r = await c.query(toPg(COMMIT_SQL.consumeSuk), [plan.consumeSuk.cardId, plan.consumeSuk.atc]);
        if (r.rowCount !== 1) return await this.#rollback(c, { kind: 'suk-unavailable' });
      }
      if (plan.consumeLuk) {
        const l = plan.consumeLuk;
        const r = l.countAmount
          ? await c.query(toPg(COMMIT_SQL.consumeLukCounted), [l.amount, l.cardId, l.api, l.amount])
          : await c.query(toPg(COMMIT_SQL.consumeLukCountOnly), [l.cardId, l.api]);
        if (r.rowCount !== 1) return await this.#rollback(c, { kind: 'luk-threshold' });
      }
      if (plan.mobilePin) await c.query(toPg(mobilePinSql(plan.mobilePin)), [plan.mobilePin.cardId]);
      await c.query('COMMIT');
      return { kind: 'stored' };
    } catch (e) {
      await c.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      c.release();
    }
  }

  async #rollback(c: pg.PoolClient, result: CommitResult): Promise<CommitResult> {
    await c.query('ROLLBACK');
    return result;
  }
}
