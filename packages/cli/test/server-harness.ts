/**
 * Test harness for `openvse server` run as a user runs it: spawns the built CLI, collects its
 * stdout lines, resolves with the address of its `listening on` line (JSON or pretty format).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built `openvse` entry point. */
export const MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));

/** A running `openvse server`. */
export interface RunningServer {
  child: ChildProcess;
  /** `http://127.0.0.1:<port>`, from the `listening on` line. */
  address: string;
  /** Every stdout line so far (more arrive while it runs). */
  lines: string[];
  /** Everything on stderr so far. */
  stderr: () => string;
  /** The exit code once it exits. */
  exit: Promise<number | null>;
  /** SIGTERM, then the exit code. */
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

/** Spawns `openvse server --port 0 …args` and resolves once it listens. */
export function startServerProcess(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 30_000,
): Promise<RunningServer> {
  const child = spawn(process.execPath, [MAIN, 'server', '--port', '0', ...args], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no "listening on" line within ${timeoutMs} ms:\n${lines.join('\n')}\n${stderr}`));
    }, timeoutMs);
    let buf = '';
    let found = false;
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    child.stdout.on('data', (d) => {
      buf += String(d);
      let i = buf.indexOf('\n');
      while (i >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        lines.push(line);
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
        if (m && !found) {
          found = true;
          clearTimeout(timer);
          resolve({
            child,
            address: m[1]!,
            lines,
            stderr: () => stderr,
            exit,
            stop: (signal = 'SIGTERM') => {
              child.kill(signal);
              return exit;
            },
          });
        }
        i = buf.indexOf('\n');
      }
    });
    exit.then((code) => {
      if (found) return;
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before listening: ${stderr}`));
    });
  });
}
