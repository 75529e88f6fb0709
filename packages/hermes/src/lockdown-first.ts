/**
 * The first module of the Hermes bundle (docs/mobile.md): `lockdown()` before any other module of
 * the bundle is evaluated, so the TA's code and its libraries run on frozen intrinsics, as they
 * do in V-OS. SES's Hermes build (`ses/hermes`, dist/ses-hermes.cjs) is the bundle's prelude
 * (build.ts puts it ahead of esbuild's output, unlowered: esbuild would turn its async functions
 * into generators and SES would then find two different %InertAsyncFunction%), and defines
 * `lockdown`. Hermes has no direct eval, which SES's default `evalTaming` needs, so this is
 * `no-eval`: nothing in the bundle evaluates code. `new Compartment()` is not called here: on
 * Hermes it throws (bundle-entry.ts reports what it throws).
 */
const g = globalThis as unknown as { lockdown?: (options: Record<string, string>) => void };
if (typeof g.lockdown !== 'function') throw new Error('SES prelude missing: lockdown is not defined');
g.lockdown({ evalTaming: 'no-eval', errorTaming: 'unsafe', reporting: 'none' });
