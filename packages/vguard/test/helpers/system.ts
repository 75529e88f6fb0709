/**
 * System tools the red-team tests need and the skip rule: a missing gcc or strace (requireTool)
 * skips its tests loudly, unless OPENVSE_REQUIRE_SYSTEM=1, in which case the test fails instead
 * (CI images that are supposed to have them must not silently lose coverage). gdb is an optional
 * extra (optionalTool: always a skip); root and Linux are conditions (skipUnless: always a skip).
 */
import { spawnSync } from 'node:child_process';
import type { TestContext } from 'node:test';

const cache = new Map<string, boolean>();

export function hasTool(tool: string): boolean {
  let ok = cache.get(tool);
  if (ok === undefined) {
    ok = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).status === 0;
    cache.set(tool, ok);
  }
  return ok;
}

/** Read at each call, so a test can exercise both branches. */
export function systemRequired(): boolean {
  return process.env.OPENVSE_REQUIRE_SYSTEM === '1';
}

/**
 * Returns true when the test may go on. Otherwise skips it with a message (or throws when
 * OPENVSE_REQUIRE_SYSTEM=1).
 */
export function requireTool(t: TestContext, tool: string): boolean {
  if (hasTool(tool)) return true;
  const message = `${tool} is not installed: skipping (set OPENVSE_REQUIRE_SYSTEM=1 to make this a failure)`;
  if (systemRequired()) throw new Error(`${tool} is required (OPENVSE_REQUIRE_SYSTEM=1) but not installed`);
  console.warn(`# SKIP ${t.name}: ${message}`);
  t.skip(message);
  return false;
}

/**
 * For extras that CI images are not promised to have (gdb): skip with a message, never fail.
 * The required set (OPENVSE_REQUIRE_SYSTEM) is gcc and strace, which .ci/run installs.
 */
export function optionalTool(t: TestContext, tool: string): boolean {
  if (hasTool(tool)) return true;
  const message = `${tool} is not installed: skipping (optional extra)`;
  console.warn(`# SKIP ${t.name}: ${message}`);
  t.skip(message);
  return false;
}

/** A condition that is not a tool (running as root, Linux /proc): skip with a message, never fail. */
export function skipUnless(t: TestContext, ok: boolean, what: string): boolean {
  if (ok) return true;
  console.warn(`# SKIP ${t.name}: ${what}`);
  t.skip(what);
  return false;
}
