/**
 * Tests that need a system component (SoftHSM2 for the PKCS#11 root of trust) skip themselves
 * with a reason tagged `SYSTEM:` when it is missing (docs/testing.md "System components"): the
 * test runner's system gate prints that loudly and, under OPENVSE_REQUIRE_SYSTEM=1, fails the run.
 */
import type { TestContext } from 'node:test';

/** True when `available`; otherwise skips `t` with the SYSTEM tag naming what is missing. */
export function requireSystem(name: string, available: boolean, t: TestContext): boolean {
  if (available) return true;
  t.skip(`SYSTEM: ${name} is not available on this machine`);
  return false;
}
