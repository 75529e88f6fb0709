/**
 * One rule for tests that need a system component (softhsm2, a PC/SC daemon, PostgreSQL…):
 * when it is missing the test is skipped with a loud message naming what is missing, unless
 * OPENVSE_REQUIRE_SYSTEM=1, in which case the test fails (CI machines that must have it).
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';

/** True when `available`; otherwise skips `t` (or fails it under OPENVSE_REQUIRE_SYSTEM=1). */
export function requireSystem(name: string, available: boolean, t: TestContext): boolean {
  if (available) return true;
  const message = `${name} is not available on this machine`;
  if (process.env.OPENVSE_REQUIRE_SYSTEM === '1') {
    assert.fail(`${message} and OPENVSE_REQUIRE_SYSTEM=1`);
  }
  console.warn(`\n*** SKIPPED: ${message} (set OPENVSE_REQUIRE_SYSTEM=1 to make this a failure) ***\n`);
  t.skip(`SKIPPED: ${message}`);
  return false;
}
