/**
 * One gate (docs/testing.md "System components"): no source reads OPENVSE_REQUIRE_SYSTEM but
 * packages/e2e/src/system-gate.ts; everything else skips with the SYSTEM tag and leaves the
 * decision to it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT, trackedFiles } from './repo.js';

describe('system gate ownership', () => {
  it('only packages/e2e/src/system-gate.ts (and its own test) reads OPENVSE_REQUIRE_SYSTEM', () => {
    const readers = trackedFiles()
      .filter((f) => /\.(ts|mjs|js)$/.test(f))
      .filter((f) =>
        /env\.OPENVSE_REQUIRE_SYSTEM|env\[['"]OPENVSE_REQUIRE_SYSTEM/.test(
          readFileSync(join(ROOT, f), 'utf8'),
        ),
      );
    assert.deepEqual(readers, ['packages/e2e/src/system-gate.ts', 'packages/e2e/test/system/gate.test.ts']);
  });
});
