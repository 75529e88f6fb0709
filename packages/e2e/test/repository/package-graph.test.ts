/**
 * The package graph of docs/architecture.md is the graph of the repository: every package is in
 * the table, every workspace edge (dependencies, devDependencies, tsconfig references) is one the
 * table allows, a library's workspace dependencies are exactly the workspace packages its src/
 * imports (so none exists only for its tests), its tests import nothing else, and no source
 * reaches into another package through a relative path.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { importsOf, ROOT, tsFiles, workspacePackages } from './repo.js';

const SCOPE = '@openvse/';
const TEST_WORKSPACES = new Set(['@openvse/cli', '@openvse/test-bench', '@openvse/e2e']);

/** The "may depend on" column of docs/architecture.md, per package. */
function documentedGraph(): Map<string, Set<string> | 'any'> {
  const md = readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8');
  const graph = new Map<string, Set<string> | 'any'>();
  for (const line of md.split('\n')) {
    const m = /^\| `(@openvse\/[a-z0-9-]+)` \|[^|]*\| ([^|]*) \|$/.exec(line);
    if (!m) continue;
    const cell = m[2]!.trim();
    if (/^anything$|^any package/.test(cell)) {
      graph.set(m[1]!, 'any');
      continue;
    }
    const allowed = new Set<string>();
    for (const w of cell.replace(/\(.*?\)/g, '').split(/[,\s]+/))
      if (/^[a-z][a-z0-9-]*$/.test(w) && w !== 'no') allowed.add(`${SCOPE}${w}`);
    graph.set(m[1]!, allowed);
  }
  return graph;
}

const graph = documentedGraph();
const packages = workspacePackages();
const byDir = new Map(packages.map((p) => [p.dir, p.name]));

function workspaceEdges(p: (typeof packages)[number]) {
  const deps = Object.keys(p.json.dependencies ?? {}).filter((d) => d.startsWith(SCOPE));
  const dev = Object.keys(p.json.devDependencies ?? {}).filter((d) => d.startsWith(SCOPE));
  const refs = (p.tsconfig.references ?? []).map((r) => byDir.get(resolve(p.dir, r.path)) ?? r.path);
  return { deps, dev, refs };
}

function importedPackages(dir: string): Set<string> {
  const out = new Set<string>();
  for (const f of tsFiles(dir))
    for (const s of importsOf(readFileSync(f, 'utf8'))) {
      const m = /^(@openvse\/[a-z0-9-]+)/.exec(s);
      if (m) out.add(m[1]!);
    }
  return out;
}

describe('package graph (docs/architecture.md)', () => {
  it('documents every package', () => {
    for (const p of packages) assert.ok(graph.has(p.name), `${p.name} is not in docs/architecture.md`);
  });

  for (const p of packages) {
    it(`${p.name}: every workspace edge is documented`, () => {
      const allowed = graph.get(p.name);
      assert.ok(allowed, `${p.name} undocumented`);
      const { deps, dev, refs } = workspaceEdges(p);
      for (const d of [...deps, ...dev, ...refs]) {
        if (d === p.name) continue;
        assert.ok(allowed === 'any' || allowed.has(d), `${p.name} → ${d} is not in the documented graph`);
      }
    });
  }

  for (const p of packages.filter((x) => !TEST_WORKSPACES.has(x.name))) {
    it(`${p.name}: no edge exists only for tests`, () => {
      const { deps, dev, refs } = workspaceEdges(p);
      assert.deepEqual(
        dev,
        [],
        `${p.name} has workspace devDependencies (test-only edges): ${dev.join(', ')}`,
      );
      const used = importedPackages(join(p.dir, 'src'));
      used.delete(p.name);
      assert.deepEqual([...deps].sort(), [...used].sort(), `${p.name}: dependencies ≠ what src/ imports`);
      assert.deepEqual(
        [...refs].sort(),
        [...used].sort(),
        `${p.name}: tsconfig references ≠ what src/ imports`,
      );
      const tested = importedPackages(join(p.dir, 'test'));
      for (const t of tested)
        assert.ok(
          t === p.name || deps.includes(t),
          `${p.name}'s tests import ${t}, which it does not depend on`,
        );
    });
  }

  it('no source reaches into another package through a relative path', () => {
    const offenders: string[] = [];
    for (const p of packages)
      for (const f of [...tsFiles(join(p.dir, 'src')), ...tsFiles(join(p.dir, 'test'))])
        for (const s of importsOf(readFileSync(f, 'utf8'))) {
          if (!s.startsWith('.')) continue;
          const target = resolve(f, '..', s);
          if (!target.startsWith(p.dir)) offenders.push(`${relative(ROOT, f)} → ${s}`);
        }
    assert.deepEqual(offenders, []);
  });
});
