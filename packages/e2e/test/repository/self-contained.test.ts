/**
 * The repository stands on its own: no tracked file cites design notes that live outside it, and
 * every `docs/<name>.md` a source or document names exists.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT, trackedFiles } from './repo.js';

const TEXT = /\.(ts|mjs|js|json|md|sh|html|css|yml|yaml)$|^\.ci\/run$/;
const OUTSIDE =
  /\bDESIGN\.md|\b(payments|tee|rasp|proto)\.md\b|research\/[a-z0-9-]+\.md|measured-2026|\.\.\/shared\//;

describe('self-contained repository', () => {
  // This file names the patterns it looks for; it is the one place allowed to.
  const SELF = 'packages/e2e/test/repository/self-contained.test.ts';
  const files = trackedFiles().filter((f) => TEXT.test(f) && !f.startsWith('test/fixtures/') && f !== SELF);

  it('cites no document outside the repository', () => {
    const hits: string[] = [];
    for (const f of files) {
      const lines = readFileSync(join(ROOT, f), 'utf8').split('\n');
      lines.forEach((l, i) => {
        if (OUTSIDE.test(l)) hits.push(`${f}:${i + 1}: ${l.trim().slice(0, 100)}`);
      });
    }
    assert.deepEqual(hits, []);
  });

  it('cites only docs that exist', () => {
    const missing: string[] = [];
    for (const f of files) {
      for (const m of readFileSync(join(ROOT, f), 'utf8').matchAll(
        /(?<![\w/.-])docs\/([a-z0-9-]+\.(?:md|png))/g,
      )) {
        if (!existsSync(join(ROOT, 'docs', m[1]!))) missing.push(`${f} → docs/${m[1]}`);
      }
    }
    assert.deepEqual([...new Set(missing)], []);
  });
});
