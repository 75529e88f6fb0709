/**
 * @openvse/test-bench — test tooling, in its own workspace package so that no library depends on
 * it (docs/architecture.md, docs/testing.md):
 *  - an in-process issuer (the CBP server on SQLite with the documented test issuer keys) and a
 *    wallet over V-OS or the software baseline, enrolled and provisioned through the production
 *    paths (`TestBench`);
 *  - a load kit for a CBP server reached over real HTTP (`makeFleet`, `makeTap`, …), whose devices
 *    are real CBP TAs on the software platform, with direct read access to the server's database
 *    for the checks (`openRawDb`, `doubleSpends`) and fresh test databases (`testDatabase`).
 * Used by the e2e suites, `openvse wallet pcsc --test-card` and the benchmarks. Not for
 * production: the issuer keys are public.
 */
export {
  createTestAuthorizationServer,
  TEST_TOKEN_AUDIENCE,
  TEST_TOKEN_ISSUER,
  type TestAuthorizationServer,
} from './access-tokens.js';
export {
  type DatabaseRef,
  doubleSpends,
  openRawDb,
  postgresReachable,
  type RawDb,
  TEST_PG_URL,
  type TestDatabase,
  testDatabase,
} from './server-load/database.js';
export {
  enrollTa,
  type FleetOptions,
  LOOSE_FRAUD,
  LoadTa,
  loadAttestationPolicy,
  makeFleet,
  makeTap,
  provisionWallet,
  replenish,
  replenishRequest,
  type Tap,
  TEST_KEK,
  type Wallet,
} from './server-load/fleet.js';
export { Http, type HttpAnswer, type Json, pool } from './server-load/http.js';
export {
  type AddCardOptions,
  type AuthorizationAnswer,
  type OutcomeLike,
  TEST_ISSUER,
  TestBench,
  type TestBenchOptions,
} from './wallet-bench.js';
