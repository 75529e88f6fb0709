/**
 * No import cycle inside any package's src/, type-only imports included: a cycle means two
 * modules are one concern split in the wrong place (docs/architecture.md "Rules").
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { importsOf, ROOT, tsFiles, workspacePackages } from './repo.js';

function cyclesIn(srcDir: string): string[][] {
  const files = tsFiles(srcDir);
  const edges = new Map<string, string[]>();
  for (const f of files) {
    const targets: string[] = [];
    for (const s of importsOf(readFileSync(f, 'utf8'))) {
      if (!s.startsWith('.')) continue;
      const t = resolve(f, '..', s.replace(/\.js$/, '.ts'));
      if (existsSync(t)) targets.push(t);
    }
    edges.set(f, targets);
  }
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string) => {
    state.set(f, 'open');
    stack.push(f);
    for (const t of edges.get(f) ?? []) {
      if (state.get(t) === 'open') cycles.push(stack.slice(stack.indexOf(t)).map((x) => relative(ROOT, x)));
      else if (!state.has(t)) visit(t);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of files) if (!state.has(f)) visit(f);
  return cycles;
}

describe('import cycles', () => {
  for (const p of workspacePackages()) {
    it(`${p.name}: none in src/`, () => {
      assert.deepEqual(cyclesIn(join(p.dir, 'src')), []);
    });
  }
});
