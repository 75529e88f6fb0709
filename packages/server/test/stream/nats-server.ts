/**
 * A NATS server with JetStream of the test's own (docs/testing.md "System components"; docs/scaling.md
 * "Threat intelligence as a stream"): `nats-server -js -p <free port> -sd <temp dir>` as a child
 * process, which the fault tests kill and start again on the same store directory. The binary is
 * `$OPENVSE_NATS_SERVER`, else `nats-server` on the PATH or in /usr/sbin (Debian's package
 * nats-server); without it the NATS suites skip with a `SYSTEM:` reason, which the system gate
 * turns into a failure under OPENVSE_REQUIRE_SYSTEM=1.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { tcpReachable } from '../helpers/stores.js';

/** The nats-server binary, or undefined. */
export function findNatsServer(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'];
  const candidates = [
    ...(process.env.OPENVSE_NATS_SERVER ? [process.env.OPENVSE_NATS_SERVER] : []),
    ...dirs.filter(Boolean).map((d) => join(d, 'nats-server')),
  ];
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // next
    }
  }
  return undefined;
}

/** The binary, and the skip reason when it is missing. */
export const NATS_SERVER = findNatsServer();
/** `undefined` when the NATS suites can run; else their SYSTEM skip reason. */
export const natsSkip = NATS_SERVER
  ? undefined
  : 'SYSTEM: nats-server not found (Debian package nats-server, or set OPENVSE_NATS_SERVER)';

/** A TCP port nobody listens on now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A broker the test owns. */
export class TestNats {
  readonly port: number;
  readonly storeDir: string;
  #child: ChildProcess | undefined;

  private constructor(port: number, storeDir: string) {
    this.port = port;
    this.storeDir = storeDir;
  }

  /** Starts a broker on a free port with a fresh store directory. */
  static async start(): Promise<TestNats> {
    const n = new TestNats(await freePort(), mkdtempSync(join(tmpdir(), 'openvse-nats-')));
    await n.restart();
    return n;
  }

  /** `nats://127.0.0.1:<port>`. */
  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** Starts the broker (again) on the same port and store directory; resolves once it listens. */
  async restart(): Promise<void> {
    if (this.#child) throw new Error('nats-server already running');
    const child = spawn(
      NATS_SERVER!,
      ['-js', '-a', '127.0.0.1', '-p', String(this.port), '-sd', this.storeDir],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let log = '';
    child.stderr!.on('data', (d) => {
      log = (log + String(d)).slice(-4000);
    });
    this.#child = child;
    const until = Date.now() + 15_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`nats-server exited: ${log}`);
      // JetStream is ready once the server logs it (the port may open a little earlier).
      if (/Server is ready/.test(log) && (await tcpReachable('127.0.0.1', this.port, 200))) return;
      if (Date.now() > until) throw new Error(`nats-server did not start: ${log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Kills the broker (SIGKILL by default) and waits for it to exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const c = this.#child;
    this.#child = undefined;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill(signal);
    });
  }

  /** Stops the broker and removes its store. */
  async stop(): Promise<void> {
    await this.kill('SIGTERM');
    rmSync(this.storeDir, { recursive: true, force: true });
  }
}

/** Polls `f` until it returns true (or throws after `ms`). */
export async function waitFor(what: string, f: () => Promise<boolean> | boolean, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
