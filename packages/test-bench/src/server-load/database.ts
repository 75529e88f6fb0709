/**
 * The server's database as the load and fault suites see it: a fresh one per suite (a SQLite
 * file in a temp directory, or a PostgreSQL schema of its own, dropped afterwards; docs/testing.md
 * "PostgreSQL", docs/server-postgres.md), and direct read-only access on an independent
 * connection, so the checks read what the server stored without going through the server's code.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';

/**
 * The PostgreSQL the suites use: `postgres://postgres@127.0.0.1:5432/test` (trust authentication),
 * or OPENVSE_TEST_PG_URL (docs/server-postgres.md, docs/testing.md).
 */
export const TEST_PG_URL = process.env.OPENVSE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Where a server finds its database: `ServerConfig.db` / `pgSchema`, `openvse server --db / --pg-schema`. */
export interface DatabaseRef {
  db: string;
  pgSchema?: string;
}

/** A fresh database for one suite. */
export interface TestDatabase {
  /** Which storage adapter. */
  kind: 'sqlite' | 'postgres';
  /** What the server is started with (it creates its tables on first start). */
  db: DatabaseRef;
  /** Removes the SQLite directory, or drops the PostgreSQL schema. */
  cleanup(): Promise<void>;
}

/** True when something accepts TCP connections at {@link TEST_PG_URL}'s host and port. */
export function postgresReachable(timeoutMs = 1000): Promise<boolean> {
  const u = new URL(TEST_PG_URL);
  return new Promise((resolve) => {
    const s = connect({ host: u.hostname || '127.0.0.1', port: Number(u.port || 5432) });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** A value safe to splice into SQL as an identifier (the schemas are named here). */
function schemaName(s: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(s)) throw new Error(`bad schema name ${s}`);
  return s;
}

async function withPg<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: TEST_PG_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/**
 * A fresh database: `sqlite`, a file in a new temp directory (created by the server on start);
 * `postgres`, a new random schema at {@link TEST_PG_URL} (created here with `pg`).
 */
export async function testDatabase(kind: 'sqlite' | 'postgres'): Promise<TestDatabase> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'openvse-load-'));
    return {
      kind,
      db: { db: `sqlite:${join(dir, 'server.db')}` },
      async cleanup() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const schema = schemaName(`openvse_t_${randomBytes(6).toString('hex')}`);
  await withPg((c) => c.query(`CREATE SCHEMA ${schema}`));
  return {
    kind,
    db: { db: TEST_PG_URL, pgSchema: schema },
    async cleanup() {
      await withPg((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    },
  };
}

/** Direct, read-only access to the server's database for the checks (`?` placeholders). */
export interface RawDb {
  /** Runs one query; PostgreSQL's `$n` placeholders are made from the `?`s. */
  query(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /** Closes the connection. */
  close(): Promise<void>;
}

/** Opens the database a server uses, on a connection of its own (SQLite: read-only, the file must exist). */
export async function openRawDb(db: DatabaseRef): Promise<RawDb> {
  if (db.db.startsWith('sqlite:')) {
    const d = new Database(db.db.slice('sqlite:'.length), { readonly: true, fileMustExist: true });
    return {
      async query(sql, params = []) {
        return d.prepare(sql).all(...params) as Record<string, unknown>[];
      },
      async close() {
        d.close();
      },
    };
  }
  const c = new pg.Client({
    connectionString: db.db,
    ...(db.pgSchema ? { options: `-c search_path=${db.pgSchema}` } : {}),
  });
  await c.connect();
  return {
    async query(sql, params = []) {
      let i = 0;
      return (
        await c.query(
          sql.replace(/\?/g, () => `$${++i}`),
          params,
        )
      ).rows;
    },
    async close() {
      await c.end();
    },
  };
}

/** (card, atc) pairs with more than one ledger row or more than one approval: must be empty. */
export async function doubleSpends(raw: RawDb): Promise<Record<string, unknown>[]> {
  const ledger = await raw.query(
    'SELECT card_id, atc, COUNT(*) AS n FROM atc_ledger GROUP BY card_id, atc HAVING COUNT(*) > 1',
  );
  const approvals = await raw.query(
    `SELECT card_id, atc, COUNT(*) AS n FROM authorizations WHERE decision = 'APPROVE'
      GROUP BY card_id, atc HAVING COUNT(*) > 1`,
  );
  return [...ledger, ...approvals];
}
