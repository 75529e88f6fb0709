/**
 * @openvse/cbp-sdk/testing: the test issuer bench (tests, `openvse wallet pcsc --test-card`,
 * bench/tap). Not for production: the issuer keys are the documented test keys.
 */
export * from './test-bench.js';
