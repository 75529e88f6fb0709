/**
 * System tools the red-team tests need (gcc builds an LD_PRELOAD library, strace traces a child;
 * docs/testing.md "System components"). A missing required tool skips the test with a reason
 * tagged `SYSTEM:`, which the test runner's system gate prints loudly and, under
 * OPENVSE_REQUIRE_SYSTEM=1, turns into a failure of the run. gdb is an optional extra and root /
 * Linux are conditions: those skip untagged and never fail.
 */
import { spawnSync } from 'node:child_process';
import type { TestContext } from 'node:test';

const cache = new Map<string, boolean>();

/** True when `tool` is on the PATH. */
export function hasTool(tool: string): boolean {
  let ok = cache.get(tool);
  if (ok === undefined) {
    ok = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).status === 0;
    cache.set(tool, ok);
  }
  return ok;
}

/** True when the test may go on; otherwise skips it with the SYSTEM tag. */
export function requireTool(t: TestContext, tool: string): boolean {
  if (hasTool(tool)) return true;
  t.skip(`SYSTEM: ${tool} is not installed (Debian package ${tool})`);
  return false;
}

/** For extras that CI images are not promised to have (gdb): skip untagged, never fail. */
export function optionalTool(t: TestContext, tool: string): boolean {
  if (hasTool(tool)) return true;
  const message = `${tool} is not installed: skipping (optional extra)`;
  console.warn(`# SKIP ${t.name}: ${message}`);
  t.skip(message);
  return false;
}

/** A condition that is not a tool (running as root, Linux /proc): skip untagged, never fail. */
export function skipUnless(t: TestContext, ok: boolean, what: string): boolean {
  if (ok) return true;
  console.warn(`# SKIP ${t.name}: ${what}`);
  t.skip(what);
  return false;
}
