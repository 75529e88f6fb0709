/**
 * The CBP server as a child process, the way it runs in production: `openvse server` (the
 * @openvse/cli package's `bin`, found by package resolution) on an ephemeral port of 127.0.0.1,
 * its address read from the `listening on` JSON log line (docs/server-api.md); stdout is drained
 * so that logging never blocks it. Used by the crash suites (SIGKILL / SIGTERM, restart on the
 * same database). Needs the CLI built (`npx tsc -b packages/cli`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The `openvse` executable script: @openvse/cli's package.json `bin.openvse`, resolved. */
export const OPENVSE_BIN: string = (() => {
  const pkgJson = createRequire(import.meta.url).resolve('@openvse/cli/package.json');
  const bin = (JSON.parse(readFileSync(pkgJson, 'utf8')) as { bin?: Record<string, string> }).bin?.openvse;
  if (!bin) throw new Error(`${pkgJson} has no bin.openvse`);
  return join(dirname(pkgJson), bin);
})();

export interface ServerProcess {
  child: ChildProcess;
  address: string;
  /** Resolves with the exit code and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

export function spawnServer(
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 30_000,
): Promise<ServerProcess> {
  const child = spawn(
    process.execPath,
    // Open development mode: the load kit's devices sign no request proofs (the wallet suites and
    // packages/server/test/auth show authentication; this suite shows crash safety under load).
    [OPENVSE_BIN, 'server', '--port', '0', '--host', '127.0.0.1', '--open', ...args],
    {
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let err = '';
  child.stderr!.on('data', (d) => {
    err = (err + String(d)).slice(-8000);
  });
  return new Promise((resolve, reject) => {
    let found = false;
    let buf = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not listen within ${timeoutMs} ms: ${err}`));
    }, timeoutMs);
    child.stdout!.on('data', (d) => {
      if (found) return; // keep draining
      buf += String(d);
      const m = /"msg":"listening on (http:\/\/127\.0\.0\.1:\d+)"/.exec(buf);
      if (m) {
        found = true;
        buf = '';
        clearTimeout(timer);
        resolve({ child, address: m[1]!, exited, stderr: () => err });
      } else if (buf.length > 1_000_000) buf = buf.slice(-10_000);
    });
    exited.then(({ code, signal }) => {
      if (found) return;
      clearTimeout(timer);
      reject(new Error(`server exited (${code ?? signal}) before listening: ${err}`));
    });
  });
}
