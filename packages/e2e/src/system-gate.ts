/**
 * The one place that decides what a missing system component means for a test run
 * (docs/testing.md "System components"). A test that cannot run because a component is missing
 * skips itself with a reason starting with {@link SYSTEM_SKIP_TAG} — `t.skip('SYSTEM: SoftHSM2
 * not found (package softhsm2)')` — wherever it lives. This module is a node:test reporter
 * (scripts/run-tests.mjs adds it to every run) that:
 *  - prints every such skip loudly, naming the test and what is missing;
 *  - when OPENVSE_REQUIRE_SYSTEM=1 (set by .ci/run), turns each of them into a failure of the run
 *    (exit code 1), so that a machine that is supposed to have a component never silently loses
 *    coverage.
 * Skips without the tag (an optional extra such as gdb, a condition such as running as root) are
 * left alone.
 */

/** The prefix of a skip reason that means "a required system component is missing". */
export const SYSTEM_SKIP_TAG = 'SYSTEM:';

interface TestEvent {
  type: string;
  data: { name?: string; skip?: string | boolean; file?: string };
}

/** The node:test reporter (an async generator over the run's events). */
export default async function* systemGate(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  const required = process.env.OPENVSE_REQUIRE_SYSTEM === '1';
  const missing: string[] = [];
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const skip = event.data.skip;
    if (typeof skip !== 'string' || !skip.startsWith(SYSTEM_SKIP_TAG)) continue;
    const line = `${event.data.name ?? '(unnamed)'}: ${skip.slice(SYSTEM_SKIP_TAG.length).trim()}`;
    missing.push(line);
    yield required
      ? `\n✖✖✖ FAILED (OPENVSE_REQUIRE_SYSTEM=1): ${line}\n`
      : `\n!!!!! SKIPPED ${line}\n!!!!! set OPENVSE_REQUIRE_SYSTEM=1 to make this a failure\n`;
  }
  if (missing.length === 0) return;
  if (required) {
    process.exitCode = 1;
    yield `\n✖✖✖ ${missing.length} test(s) could not run for a missing system component, and OPENVSE_REQUIRE_SYSTEM=1:\n${missing.map((m) => `  - ${m}`).join('\n')}\n`;
  } else {
    yield `\n!!!!! ${missing.length} test(s) SKIPPED for a missing system component (install it, or set OPENVSE_REQUIRE_SYSTEM=1 to fail):\n${missing.map((m) => `  - ${m}`).join('\n')}\n`;
  }
}
