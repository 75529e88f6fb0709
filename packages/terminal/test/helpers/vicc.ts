/**
 * Loads the CBP SDK's vicc transport (packages/cbp-sdk/src/transport) for the PC/SC tests.
 * The SDK's package entry does not re-export its transport folder yet, and its package.json
 * exports only ".", so the compiled module is loaded by path from the repository layout; the
 * types come from the referenced project (tsconfig reference to ../cbp-sdk).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export type ViccModule = typeof import('../../../cbp-sdk/src/transport/index.js');

function findRepoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'packages', 'cbp-sdk'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('vicc helper: cannot find packages/cbp-sdk above this file');
    dir = up;
  }
  return dir;
}

export async function loadVicc(): Promise<ViccModule> {
  const file = join(findRepoRoot(), 'packages', 'cbp-sdk', 'dist', 'src', 'transport', 'index.js');
  if (!existsSync(file))
    throw new Error(
      `vicc helper: ${file} missing (build packages/cbp-sdk first: npx tsc -b packages/cbp-sdk)`,
    );
  return (await import(pathToFileURL(file).href)) as ViccModule;
}
