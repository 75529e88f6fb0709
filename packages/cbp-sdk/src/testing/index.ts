/**
 * @openvse/cbp-sdk/testing: the test issuer bench (tests, `openvse wallet pcsc --test-card`,
 * bench/tap). Not for production: the issuer keys are the documented test keys.
 */
export {
  type AddCardOptions,
  type AuthorizationAnswer,
  type OutcomeLike,
  TEST_ISSUER,
  TestBench,
  type TestBenchOptions,
} from './test-bench.js';
