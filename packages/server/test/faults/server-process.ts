/**
 * The CBP server as a child process, the way it runs in production: the compiled
 * `openvse server` (packages/cli/dist/src/main.js) on an ephemeral port of 127.0.0.1, its
 * address read from the `listening on` JSON log line; stdout is drained so that logging never
 * blocks it. Used by the fault tests (SIGKILL, restart on the same database).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI_MAIN = fileURLToPath(new URL('../../../../cli/dist/src/main.js', import.meta.url));

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
  const child = spawn(process.execPath, [CLI_MAIN, 'server', '--port', '0', '--host', '127.0.0.1', ...args], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
