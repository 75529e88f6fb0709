/**
 * The TA manager's trial load at install must evaluate exactly what a session evaluates
 * (docs/ta-packages.md "Identity and updates", step 5): the wrapper around the TA's code is written
 * in three places (worker/ta-instance.ts for sessions, worker/ta-manager.ts for the trial,
 * ta-package/load-check.ts for the static check `openvse ta pack` runs), and this check fails as
 * soon as they differ.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

const src = (file: string) =>
  readFileSync(
    new URL(`../../../src/${file.includes('/') ? file : `worker/${file}`}`, import.meta.url),
    'utf8',
  ).replace(/\r\n/g, '\n');

function wrapper(text: string, file: string): { head: string; tail: string } {
  const head = /const WRAP_HEAD = ('[^'\n]*');/.exec(text)?.[1];
  const tail = /const WRAP_TAIL = (`[^`]*`);/.exec(text)?.[1];
  assert.ok(head && tail, `${file} declares WRAP_HEAD and WRAP_TAIL`);
  return { head, tail };
}

describe('trial load at install', () => {
  it('wraps the code exactly as TaInstance.create does', () => {
    const session = wrapper(src('ta-instance.ts'), 'ta-instance.ts');
    const trial = wrapper(src('ta-manager.ts'), 'ta-manager.ts');
    assert.deepEqual(trial, session);
    assert.deepEqual(wrapper(src('ta-package/load-check.ts'), 'ta-package/load-check.ts'), session);
    assert.match(session.tail, /invoke: typeof TA_InvokeCommandEntryPoint === 'function'/);
  });
});
