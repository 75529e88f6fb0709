/**
 * Building and running the Hermes bundle (docs/mobile.md "The Hermes test target"):
 *  1. esbuild bundles bundle-entry.ts (compiled) with its input built in, as one script for a
 *     neutral platform, lowering what esbuild can (class fields, private members, static blocks,
 *     async functions and generators — 0.12 compiles no async arrow function —, `??=`, optional
 *     chaining) and keeping BigInt; SES's Hermes build goes ahead of it as a prelude, not lowered
 *     by esbuild (lockdown-first.ts says why);
 *  2. Babel lowers what esbuild cannot and Hermes 0.12 lacks: classes
 *     (`@babel/plugin-transform-classes`; 0.12 has none) and `let`/`const` block scoping
 *     (`@babel/plugin-transform-block-scoping`; 0.12 treats them as `var`, so closures in loops
 *     would share one binding);
 *  3. the current Hermes compiler (npm `hermes-compiler`, Hermes 1.0, what React Native ships)
 *     compiles the same file to bytecode: the syntax gate for current engines;
 *  4. Hermes 0.12's own compiler (npm `hermes-engine-cli@0.12.0`) compiles it, and its VM runs
 *     that bytecode (the 0.12 VM cannot load Hermes 1.0 bytecode).
 * Node only.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HermesInput } from './scenario.js';

const require = createRequire(import.meta.url);

/** The three Hermes binaries the run needs, from their npm packages. */
export interface HermesBinaries {
  /** Hermes 0.12 VM (`hermes-engine-cli@0.12.0`). */
  vm: string;
  /** Hermes 0.12 compiler (same package). */
  compiler012: string;
  /** The current compiler (`hermes-compiler`, Hermes 1.0). */
  compilerCurrent: string;
}

function platformDir(): string {
  if (process.platform === 'linux' && process.arch === 'x64') return 'linux64-bin';
  if (process.platform === 'darwin') return 'osx-bin';
  throw new Error(`the Hermes npm packages ship no binaries for ${process.platform}-${process.arch}`);
}

/** Where the binaries are (they may still fail to run: see {@link probeHermes}). */
export function hermesBinaries(): HermesBinaries {
  const dir = platformDir();
  const cli = dirname(require.resolve('hermes-engine-cli/package.json'));
  const compiler = dirname(require.resolve('hermes-compiler/package.json'));
  return {
    vm: join(cli, dir, 'hermes'),
    compiler012: join(cli, dir, 'hermesc'),
    compilerCurrent: join(compiler, 'hermesc', dir, 'hermesc'),
  };
}

/** The release line a Hermes binary prints with `--version`, or the reason it cannot run. */
function versionOf(bin: string): { ok: true; version: string } | { ok: false; why: string } {
  if (!existsSync(bin)) return { ok: false, why: `${bin} not found` };
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  const m = /Hermes release version: (\S+)/.exec(r.stdout ?? '');
  if (r.status !== 0 || !m)
    return { ok: false, why: `${bin} --version: ${r.error?.message ?? r.stderr ?? r.status}` };
  return { ok: true, version: m[1]! };
}

/** Whether the three binaries run here, with their versions. */
export function probeHermes():
  | {
      ok: true;
      binaries: HermesBinaries;
      versions: { vm: string; compiler012: string; compilerCurrent: string };
    }
  | { ok: false; why: string } {
  let b: HermesBinaries;
  try {
    b = hermesBinaries();
  } catch (e) {
    return { ok: false, why: (e as Error).message };
  }
  const vm = versionOf(b.vm);
  const c012 = versionOf(b.compiler012);
  const cur = versionOf(b.compilerCurrent);
  for (const v of [vm, c012, cur]) if (!v.ok) return { ok: false, why: v.why };
  return {
    ok: true,
    binaries: b,
    versions: {
      vm: (vm as { version: string }).version,
      compiler012: (c012 as { version: string }).version,
      compilerCurrent: (cur as { version: string }).version,
    },
  };
}

/** Bundles the entry with `input` built in, down-levelled for Hermes 0.12; returns the file written. */
export async function buildHermesBundle(
  input: HermesInput,
  outDir: string,
): Promise<{ file: string; bytes: number }> {
  const { buildSync } = await import('esbuild');
  const babel = await import('@babel/core');
  const entry = fileURLToPath(new URL('./bundle-entry.js', import.meta.url));
  const out = buildSync({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    target: 'es2016',
    supported: { bigint: true },
    define: { __OPENVSE_HERMES_INPUT__: JSON.stringify(JSON.stringify(input)) },
    legalComments: 'none',
    logLevel: 'silent',
  });
  const lower = async (code: string, plugins: string[]) => {
    const r = await babel.transformAsync(code, {
      babelrc: false,
      configFile: false,
      sourceType: 'script',
      compact: false,
      comments: false,
      plugins: plugins.map((p) => require.resolve(p)),
    });
    if (!r?.code) throw new Error('babel produced no code');
    return r.code;
  };
  // The prelude: ses/hermes as the CommonJS script it is (it defines lockdown, harden and
  // Compartment on globalThis), block scoping lowered for 0.12.
  const ses = readFileSync(require.resolve('ses/hermes'), 'utf8');
  const prelude = await lower(
    `(function () {\nvar module = { exports: {} };\nvar exports = module.exports;\n${ses}\n})();\n`,
    ['@babel/plugin-transform-block-scoping'],
  );
  const app = await lower(out.outputFiles[0]!.text, [
    '@babel/plugin-transform-block-scoping',
    '@babel/plugin-transform-classes',
  ]);
  const code = `${prelude}\n${app}`;
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, input.mode === 'bench' ? 'openvse-hermes-bench.js' : 'openvse-hermes.js');
  writeFileSync(file, code);
  return { file, bytes: Buffer.byteLength(code) };
}

/** Runs `bin args`; throws with its output when it fails. */
function run(bin: string, args: string[], timeoutMs: number): { stdout: string; stderr: string; ms: number } {
  const t0 = performance.now();
  const r = spawnSync(bin, args, { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  const ms = Math.round(performance.now() - t0);
  if (r.status !== 0)
    throw new Error(
      `${bin} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`}):\n${(r.stderr ?? '').slice(0, 4000)}\n${(r.stdout ?? '').slice(0, 4000)}`,
    );
  return { stdout: r.stdout ?? '', stderr: r.stderr ?? '', ms };
}

/** The syntax gate: the current Hermes compiler compiles the bundle (throws with its errors if not). */
export function syntaxGate(binaries: HermesBinaries, file: string): { ms: number; bytecode: string } {
  const bytecode = `${file}.hermes-current.hbc`;
  const r = run(binaries.compilerCurrent, ['-O', '-emit-binary', '-out', bytecode, file], 300_000);
  return { ms: r.ms, bytecode };
}

/** What the bundle printed on the 0.12 VM, parsed, with the compile and run times. */
export interface HermesRun {
  /** The bundle's `OPENVSE_HERMES_RESULT` object. */
  result: Record<string, unknown>;
  compileMs: number;
  runMs: number;
}

/** Compiles the bundle with Hermes 0.12's compiler and runs the bytecode on the 0.12 VM. */
export function runOnHermes(binaries: HermesBinaries, file: string): HermesRun {
  const bytecode = `${file}.hermes-0.12.hbc`;
  const c = run(binaries.compiler012, ['-O', '-emit-binary', '-out', bytecode, file], 300_000);
  const r = run(binaries.vm, [bytecode], 600_000);
  const line = r.stdout.split('\n').find((l) => l.startsWith('OPENVSE_HERMES_'));
  if (!line?.startsWith('OPENVSE_HERMES_RESULT '))
    throw new Error(
      `the bundle failed on Hermes:\n${line ?? r.stdout.slice(-4000)}\n${r.stderr.slice(-2000)}`,
    );
  return {
    result: JSON.parse(line.slice('OPENVSE_HERMES_RESULT '.length)) as Record<string, unknown>,
    compileMs: c.ms,
    runMs: r.ms,
  };
}
