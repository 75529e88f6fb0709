/**
 * The two storage adapters as test targets (docs/design.md "Storage and scale": both adapters
 * pass the same suite). SQLite: a fresh file in a temp directory. PostgreSQL (127.0.0.1:5432, trust
 * auth, database `test`; OPENVSE_TEST_PG_URL elsewhere): a fresh random schema, dropped afterwards.
 * When PostgreSQL is not reachable its tests skip with a reason tagged `SYSTEM:`, which the test
 * runner's system gate prints loudly and fails under OPENVSE_REQUIRE_SYSTEM=1 (docs/testing.md).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresStore } from '../../src/storage/postgres-store.js';
import { SqliteStore } from '../../src/storage/sqlite-store.js';
import type { Store } from '../../src/storage/store.js';

export const PG_URL = process.env.OPENVSE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const PG_HOST = new URL(PG_URL).hostname || '127.0.0.1';
const PG_PORT = Number(new URL(PG_URL).port || 5432);

export interface TestDb {
  store: Store;
  /** Config fields that open the same database (for createServer). */
  db: { db: string; pgSchema?: string };
  /** A second, independent connection to the same database. */
  openAnother(): Promise<Store>;
  cleanup(): Promise<void>;
}

export interface Adapter {
  name: 'sqlite' | 'postgres';
  /** undefined when usable; a reason string to skip with. */
  skip: string | undefined;
  open(): Promise<TestDb>;
}

/** True when something accepts a TCP connection at host:port within `timeoutMs`. */
export function tcpReachable(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

async function sqliteDb(): Promise<TestDb> {
  const dir = mkdtempSync(join(tmpdir(), 'openvse-server-'));
  const path = join(dir, 'server.db');
  const store = new SqliteStore(path);
  await store.migrate();
  const others: Store[] = [];
  return {
    store,
    db: { db: `sqlite:${path}` },
    async openAnother() {
      const s = new SqliteStore(path);
      await s.migrate();
      others.push(s);
      return s;
    },
    async cleanup() {
      for (const o of others) await o.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function postgresDb(): Promise<TestDb> {
  const schema = `openvse_t_${randomBytes(6).toString('hex')}`;
  const store = new PostgresStore({ connectionString: PG_URL, schema, max: 20 });
  await store.migrate();
  const others: Store[] = [];
  return {
    store,
    db: { db: PG_URL, pgSchema: schema },
    async openAnother() {
      const s = new PostgresStore({ connectionString: PG_URL, schema, max: 20 });
      await s.migrate();
      others.push(s);
      return s;
    },
    async cleanup() {
      for (const o of others) await o.close();
      await store.dropSchema();
      await store.close();
    },
  };
}

let pgReachable: boolean | undefined;

/** Both adapters; PostgreSQL marked skipped (SYSTEM tag) when unreachable. */
export async function adapters(): Promise<Adapter[]> {
  pgReachable ??= await tcpReachable(PG_HOST, PG_PORT);
  return [
    { name: 'sqlite', skip: undefined, open: sqliteDb },
    {
      name: 'postgres',
      skip: pgReachable
        ? undefined
        : `SYSTEM: PostgreSQL at ${PG_HOST}:${PG_PORT} is not reachable (start it, or set OPENVSE_TEST_PG_URL)`,
      open: postgresDb,
    },
  ];
}
