/**
 * The worker's launch options (docs/design.md "The worker"): only the permission-model flags of
 * the parent are passed on in the explicit execArgv — never --inspect, --require, --import or
 * loaders — because on Node 20 a Worker started with `execArgv: []` runs without the permission
 * model.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { workerExecArgv } from '../../src/host/worker-link.js';

describe('V-OS worker options', () => {
  it('passes on the permission flags and nothing else', () => {
    assert.deepEqual(
      workerExecArgv([
        '--experimental-permission',
        '--allow-fs-read=/app/*',
        '--allow-fs-write=/data/*',
        '--allow-worker',
        '--inspect=0',
        '--require',
        './evil.cjs',
        '--import=./evil.mjs',
        '--no-warnings',
        '--allow-addons',
        '--experimental-loader=./x.mjs',
      ]),
      [
        '--experimental-permission',
        '--allow-fs-read=/app/*',
        '--allow-fs-write=/data/*',
        '--allow-worker',
        '--allow-addons',
      ],
    );
    assert.deepEqual(workerExecArgv([]), []);
    assert.deepEqual(workerExecArgv(['--permission', '--allow-child-process']), [
      '--permission',
      '--allow-child-process',
    ]);
  });
});
