/**
 * Entry point of the V-OS worker (the secure world of the embedded mode). Its first act is SES
 * `lockdown()` (worker/ses-lockdown.ts): every shared intrinsic is frozen before any V-OS or TA
 * code runs. Only then is the secure world loaded, with a dynamic import so that ESM hoisting
 * cannot run it first. Must run from compiled JS (no TypeScript loader in the worker).
 */
import { lockdownRealm, preferBundle } from './ses-lockdown.js';

lockdownRealm();
const { run } = (await import(
  preferBundle(new URL('./secure-world.js', import.meta.url))
)) as typeof import('./secure-world.js');
await run();
