/**
 * Opens the store named by a database URL (docs/design.md "Storage and scale"):
 * `sqlite:<path>` (default `sqlite:openvse-server.db`), `sqlite::memory:`, or
 * `postgres://…` / `postgresql://…`. Runs the migrations before returning.
 */
import { ApiErrorCode } from '@openvse/protocol';
import { ServerError } from '../errors.js';
import { PostgresStore } from './postgres-store.js';
import { SqliteStore } from './sqlite-store.js';
import type { Store } from './store.js';

/** The database of a server configured with none. */
export const DEFAULT_DB_URL = 'sqlite:openvse-server.db';

/** PostgreSQL settings of {@link openStore}. */
export interface OpenStoreOptions {
  /** PostgreSQL only: schema to use (created if absent). */
  pgSchema?: string;
  pgPoolSize?: number;
}

/** The store of `url`, migrated; ERR_CONFIG for a URL it does not know. */
export async function openStore(url: string = DEFAULT_DB_URL, opts: OpenStoreOptions = {}): Promise<Store> {
  let store: Store;
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (path.length === 0) throw new ServerError(ApiErrorCode.CONFIG, 'db: sqlite URL without a path');
    store = new SqliteStore(path);
  } else if (/^postgres(ql)?:\/\//.test(url)) {
    store = new PostgresStore({ connectionString: url, schema: opts.pgSchema, max: opts.pgPoolSize });
  } else {
    throw new ServerError(ApiErrorCode.CONFIG, 'db: expected sqlite:<path> or postgres://…');
  }
  try {
    await store.migrate();
  } catch (e) {
    await store.close().catch(() => {});
    throw e;
  }
  return store;
}
