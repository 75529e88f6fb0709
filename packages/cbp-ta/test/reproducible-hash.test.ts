/**
 * One source tree, one TA code hash (src/bundle.ts): the CBP TA's code is bundled in child
 * processes started from three working directories — the repository root, the package's folder
 * and a folder outside the checkout — and hashed; the three hashes are equal, and equal to this
 * process's. The server's allow-list pins that hash (docs/attestation.md), so a wallet built from
 * another folder must not be refused.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cbpTaCodeSha256 } from '../src/bundle.js';

const bundleModule = new URL('../src/bundle.js', import.meta.url).href;
const packageDir = fileURLToPath(new URL('../..', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../..', import.meta.url));

function hashFrom(cwd: string): string {
  return execFileSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import(${JSON.stringify(bundleModule)}).then((m) => console.log(m.cbpTaCodeSha256()))`,
    ],
    { cwd, encoding: 'utf8' },
  ).trim();
}

describe('CBP TA code hash', () => {
  it('is the same from the repository root, the package folder and outside the checkout', () => {
    const outside = mkdtempSync(join(tmpdir(), 'openvse-ta-hash-'));
    try {
      const hashes = [repoRoot, packageDir, outside].map(hashFrom);
      for (const h of hashes) assert.match(h, /^[0-9a-f]{64}$/);
      assert.deepEqual(hashes, [hashes[0], hashes[0], hashes[0]], `hashes differ: ${hashes.join(' ')}`);
      assert.equal(hashes[0], cbpTaCodeSha256(), 'and the same as in this process');
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});
