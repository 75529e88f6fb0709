/**
 * Public surfaces are explicit (docs/architecture.md "Rules"): no entry point of any package uses
 * `export *`, and every name an entry point exports has a TSDoc comment where it is declared.
 * The check is scripts/api-report.mjs (TypeScript's own view of each module's exports).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { ROOT } from './repo.js';

const { apiReport } = (await import(pathToFileURL(join(ROOT, 'scripts/api-report.mjs')).href)) as {
  apiReport(filters?: string[]): { report: string[]; problems: string[] };
};

describe('public surfaces', () => {
  it('name what they export and document every export', () => {
    const { problems } = apiReport();
    assert.deepEqual(problems, []);
  });
});
