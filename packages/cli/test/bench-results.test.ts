/**
 * `npm run bench` writes its results where git does not look (docs/benchmarks.md): every suite's
 * default output is bench/results/local/<suite>.json, which .gitignore covers and git does not
 * track, so that a run never changes the committed figures; only `--update` / BENCH_UPDATE=1
 * (scripts/run-bench.mjs) points the suites at bench/results/. A repository check: it reads the
 * bench scripts and asks git, and runs no benchmark.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is packages/cli/dist/test/ once built). */
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const suites = readdirSync(join(ROOT, 'bench'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(ROOT, 'bench', d.name, 'run.mjs')))
  .map((d) => d.name);
const git = (...args: string[]) => spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' });
const inGit = git('rev-parse', '--is-inside-work-tree').stdout.trim() === 'true';

describe('benchmark results by default', () => {
  it('every suite defaults to bench/results/local/ and reads OPENVSE_BENCH_RESULTS', () => {
    assert.ok(suites.length >= 5, JSON.stringify(suites));
    for (const s of suites) {
      const src = readFileSync(join(ROOT, 'bench', s, 'run.mjs'), 'utf8');
      assert.match(src, /process\.env\.OPENVSE_BENCH_RESULTS \|\|/, `${s}: reads OPENVSE_BENCH_RESULTS`);
      assert.match(src, /results\/local/, `${s}: defaults to bench/results/local/`);
      assert.doesNotMatch(src, /results\/[a-z-]+\.json/, `${s}: no hard-coded committed result file`);
    }
    const runner = readFileSync(join(ROOT, 'scripts', 'run-bench.mjs'), 'utf8');
    assert.match(runner, /OPENVSE_BENCH_RESULTS: resultsDir/);
    assert.match(runner, /update \? \[\] : \['local'\]/);
  });

  it('the default output files are ignored by git and not tracked', (t) => {
    if (!inGit) {
      t.skip('not a git checkout');
      return;
    }
    const names = [...suites, 'stream-postgres'].map((s) => `bench/results/local/${s}.json`);
    for (const f of names) {
      assert.equal(git('check-ignore', '-q', f).status, 0, `${f} is ignored`);
      assert.notEqual(git('ls-files', '--error-unmatch', f).status, 0, `${f} is not tracked`);
    }
    assert.equal(
      execFileSync('git', ['ls-files', 'bench/results/local'], { cwd: ROOT, encoding: 'utf8' }),
      '',
    );
  });
});
