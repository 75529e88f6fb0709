/**
 * The server's two storage adapters as targets of the load and crash suites (docs/testing.md
 * "PostgreSQL"; docs/server-postgres.md): SQLite always; PostgreSQL when it is reachable, else
 * skipped with the SYSTEM tag (the system gate prints it and fails the run under
 * OPENVSE_REQUIRE_SYSTEM=1).
 */
import { postgresReachable, TEST_PG_URL } from '@openvse/test-bench';
import { SYSTEM_SKIP_TAG } from '../../src/system-gate.js';

/** One adapter: its name and, when it cannot run here, the skip reason. */
export interface Adapter {
  name: 'sqlite' | 'postgres';
  skip: string | undefined;
}

/** SQLite and PostgreSQL (skipped with a SYSTEM reason when unreachable). */
export async function adapters(): Promise<Adapter[]> {
  const u = new URL(TEST_PG_URL);
  const pg = await postgresReachable();
  return [
    { name: 'sqlite', skip: undefined },
    {
      name: 'postgres',
      skip: pg
        ? undefined
        : `${SYSTEM_SKIP_TAG} PostgreSQL at ${u.hostname}:${u.port || 5432} is not reachable (start it, or set OPENVSE_TEST_PG_URL)`,
    },
  ];
}
