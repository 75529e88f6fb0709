/**
 * Which code an entry loads after lockdown (worker/ses-lockdown.ts `preferBundle`,
 * docs/process-boundary.md "Inside the V-OS process"): the single-file bundle written by
 * scripts/bundle-vos.mjs when no file it was built from is newer, else the module, so that a
 * `tsc -b` after an edit anywhere in the bundle's inputs never runs stale code.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { preferBundle } from '../../src/worker/ses-lockdown.js';

const dir = mkdtempSync(join(tmpdir(), 'openvse-bundle-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const T = 1_700_000_000;

/** A module `name.js` with a dependency `name-dep.js`, and optionally a bundle of both. */
function files(name: string, at: { module: number; dep: number; bundle?: number; inputs?: unknown }) {
  const touch = (file: string, t: number, text = 'export {};\n') => {
    writeFileSync(join(dir, file), text);
    utimesSync(join(dir, file), t, t);
  };
  touch(`${name}.js`, at.module);
  touch(`${name}-dep.js`, at.dep);
  if (at.bundle !== undefined) {
    touch(`${name}.bundle.js`, at.bundle);
    const inputs = at.inputs ?? [`${name}.js`, `${name}-dep.js`];
    writeFileSync(join(dir, `${name}.bundle.js.inputs.json`), JSON.stringify(inputs));
  }
  return {
    mod: pathToFileURL(join(dir, `${name}.js`)),
    bundle: pathToFileURL(join(dir, `${name}.bundle.js`)).href,
  };
}

describe('preferBundle', () => {
  it('takes a bundle no input of which is newer', () => {
    const same = files('same', { module: T, dep: T, bundle: T });
    assert.equal(preferBundle(same.mod), same.bundle);
    const newer = files('newer', { module: T, dep: T - 50, bundle: T + 100 });
    assert.equal(preferBundle(newer.mod), newer.bundle);
  });

  it('takes the module when the module or any input was rebuilt since', () => {
    const entry = files('entry', { module: T + 100, dep: T, bundle: T });
    assert.equal(preferBundle(entry.mod), entry.mod.href);
    const dep = files('dep', { module: T, dep: T + 100, bundle: T });
    assert.equal(preferBundle(dep.mod), dep.mod.href);
  });

  it('takes the module when there is no bundle, no input list, a bad list or a missing input', () => {
    const none = files('none', { module: T, dep: T });
    assert.equal(preferBundle(none.mod), none.mod.href);
    for (const [name, inputs] of [
      ['empty', []],
      ['notlist', { a: 1 }],
      ['notstr', [5]],
      ['gone', ['gone.js', 'nowhere.js']],
    ] as const) {
      const f = files(name, { module: T, dep: T, bundle: T + 100, inputs });
      assert.equal(preferBundle(f.mod), f.mod.href, name);
    }
    const unlisted = files('unlisted', { module: T, dep: T, bundle: T + 100 });
    rmSync(join(dir, 'unlisted.bundle.js.inputs.json'));
    assert.equal(preferBundle(unlisted.mod), unlisted.mod.href);
  });

  it('the built V-OS entries have fresh bundles (npm run build)', () => {
    // The suites that start V-OS run what the entries load; after `npm run build` that is the
    // bundle, so the tests exercise the code that ships.
    for (const entry of ['../../src/service/run-service.js', '../../src/worker/secure-world.js']) {
      const url = new URL(entry, import.meta.url);
      assert.match(preferBundle(url), /\.bundle\.js$/, `${entry} has no fresh bundle`);
    }
  });
});
