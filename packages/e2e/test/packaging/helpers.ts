/**
 * What the packaging suites share: the publishable packages, the workspace's `openvse server` in
 * development mode as a child process (its address read from the `listening on` log line, as in
 * packages/cli/test/server.test.ts), and running examples/wallet-quickstart against it.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { cbpTaCodeSha256 } from '@openvse/cbp-ta';
import { ROOT } from '../repository/repo.js';

/**
 * The packages published to npm (packages/<dir>), in dependency order: the ones a wallet needs
 * (docs/decisions.md "Publishable packages"). Every other workspace package stays private.
 */
export const PUBLISHED = ['protocol', 'emv', 'vguard', 'attestation', 'vos', 'cbp-ta', 'cbp-sdk', 'terminal'];

/** examples/wallet-quickstart in the checkout. */
export const QUICKSTART_DIR = join(ROOT, 'examples', 'wallet-quickstart');

/** The `openvse` executable script: @openvse/cli's package.json `bin.openvse`, resolved. */
const OPENVSE_BIN: string = (() => {
  const pkgJson = createRequire(import.meta.url).resolve('@openvse/cli/package.json');
  const bin = (JSON.parse(readFileSync(pkgJson, 'utf8')) as { bin?: Record<string, string> }).bin?.openvse;
  if (!bin) throw new Error(`${pkgJson} has no bin.openvse`);
  return join(dirname(pkgJson), bin);
})();

/**
 * The environment for child processes: this one without the `npm_*` variables that `npm test`
 * sets (an `npm install` run from here would read them as its configuration) and without
 * NODE_PATH (a module must resolve from the project, nowhere else).
 */
export function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!/^npm_/i.test(k) && k !== 'NODE_PATH' && k !== 'NODE_OPTIONS') env[k] = v;
  return env;
}

/** True when this checkout's `openvse server` has `--dev`. */
export function serverHasDev(): boolean {
  const r = spawnSync(process.execPath, [OPENVSE_BIN, 'server', '--help'], { encoding: 'utf8' });
  return /^\s*--dev\b/m.test(r.stdout ?? '');
}

/**
 * The arguments of a development server in `dataDir`: `--dev` when the CLI has it, else what it
 * stands for, spelled out (test issuer keys, the in-tree CBP TA allow-listed, minimum level L0,
 * no fraud engine).
 */
export function devServerArgs(dataDir: string): { mode: string; args: string[] } {
  const common = ['--data-dir', dataDir, '--port', '0'];
  if (serverHasDev()) return { mode: '--dev', args: ['--dev', ...common] };
  const explicit = ['--test-issuer', '--allow-ta', cbpTaCodeSha256(), '--min-level', 'L0', '--no-fraud'];
  return { mode: explicit.join(' '), args: [...explicit, '--host', '127.0.0.1', ...common] };
}

/** A running development server. */
export interface DevServer {
  url: string;
  dataDir: string;
  /** How it was started (`--dev` or the explicit flags). */
  mode: string;
  /** SIGTERM, then its exit code. */
  stop(): Promise<number | null>;
}

/** Starts the workspace's `openvse server` in development mode; resolves once it listens. */
export function startDevServer(dataDir: string, timeoutMs = 30_000): Promise<DevServer> {
  const { mode, args } = devServerArgs(dataDir);
  const child: ChildProcess = spawn(process.execPath, [OPENVSE_BIN, 'server', ...args], {
    env: childEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let err = '';
  child.stderr!.on('data', (d) => {
    err = (err + String(d)).slice(-8000);
  });
  const stop = async (): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exited;
  };
  return new Promise((resolve, reject) => {
    let found = false;
    let buf = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`openvse server ${mode} did not listen within ${timeoutMs} ms: ${err}`));
    }, timeoutMs);
    child.stdout!.on('data', (d) => {
      if (found) return; // keep draining
      buf += String(d);
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(buf);
      if (!m) return;
      found = true;
      clearTimeout(timer);
      resolve({ url: m[1]!, dataDir, mode, stop });
    });
    exited.then((code) => {
      if (found) return;
      clearTimeout(timer);
      reject(new Error(`openvse server ${mode} exited (${code}) before listening: ${err}`));
    });
  });
}

/** What a child process printed, and how it ended. */
export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs `cmd args` in `cwd` (child environment, no shell) and collects its output. */
export function run(cmd: string, args: string[], cwd: string, timeoutMs = 180_000): Promise<RunResult> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += String(d);
    });
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

/** Runs the quickstart script `script` (in `cwd`) against `server`. */
export function runQuickstart(script: string, cwd: string, server: DevServer): Promise<RunResult> {
  return run(process.execPath, [script, server.url, server.dataDir], cwd, 120_000);
}

/** The quickstart printed an approved authorization (and exited 0). */
export function approved(r: RunResult): boolean {
  return (
    r.status === 0 && /APPROVE APPROVED, response code 00/.test(r.stdout) && /^APPROVED: /m.test(r.stdout)
  );
}
