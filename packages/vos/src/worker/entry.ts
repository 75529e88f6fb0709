/**
 * Entry point of the V-OS worker (the secure world). Its first act is SES `lockdown()` with
 * errorTaming 'safe', overrideTaming 'severe', consoleTaming 'safe' (docs/design.md "The worker";
 * endojs/endo packages/ses/docs/lockdown.md): every shared intrinsic is frozen before any V-OS or
 * TA code runs (only node:module and ses itself are loaded first). Only then are the
 * secure-world modules loaded, with a dynamic import so that ESM hoisting cannot run them first.
 * Must run from compiled JS (no TypeScript loader in the worker).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type {} from 'ses';

// The single-file build of ses loads faster than its many ESM files (bench/vos cold start): the
// minified UMD build shipped beside the package's CommonJS main, else the CommonJS main itself.
const require = createRequire(import.meta.url);
const sesMain = require.resolve('ses');
try {
  require(join(dirname(sesMain), 'ses.umd.min.js'));
} catch {
  require(sesMain);
}
lockdown({ errorTaming: 'safe', overrideTaming: 'severe', consoleTaming: 'safe', stackFiltering: 'concise' });

const { run } = await import('./secure-world.js');
await run();
