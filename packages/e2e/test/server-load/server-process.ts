/**
 * The CBP server as a child process, the way it runs in production: `openvse server` (the
 * @openvse/cli package's `bin`, found by package resolution) on an ephemeral port of 127.0.0.1,
 * its address read from the `listening on` JSON log line (docs/server-api.md); stdout is drained
 * so that logging never blocks it. Used by the crash suites (SIGKILL / SIGTERM, restart on the
 * same database) and the many-instances suite. Needs the CLI built (`npx tsc -b packages/cli`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type DatabaseRef, LOOSE_FRAUD, loadAttestationPolicy, TEST_KEK } from '@openvse/test-bench';

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

/** {@link LOOSE_FRAUD} as a `--fraud-config` file in a temp directory of its own. */
export function looseFraudFile(): { path: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'openvse-faults-'));
  const path = join(dir, 'fraud.json');
  writeFileSync(path, JSON.stringify(LOOSE_FRAUD));
  return { path, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** What a load-kit server is started with besides its database. */
export interface LoadServerOptions {
  /** `--suk-batch`: SUKs per profile M card (at least the taps a suite makes per card). */
  sukBatch: number;
  /** `--fraud-config`: e.g. {@link looseFraudFile}'s. */
  fraudFile: string;
}

/**
 * `openvse server` on `db` for the load kit's fleet: the TEST issuer keys, the software TA's code
 * hash allowed at level L0, LUKs good for 64 transactions and any amount, the KEK TEST_KEK.
 */
export function spawnLoadServer(db: DatabaseRef, o: LoadServerOptions): Promise<ServerProcess> {
  const policy = loadAttestationPolicy();
  return spawnServer(
    [
      '--db',
      db.db,
      ...(db.pgSchema ? ['--pg-schema', db.pgSchema] : []),
      '--test-issuer',
      '--allow-ta',
      policy.allowedCodeHashes.join(','),
      '--min-level',
      policy.minimumLevel,
      '--suk-batch',
      String(o.sukBatch),
      '--luk-max-transactions',
      '64',
      '--luk-max-amount',
      '1000000000',
      '--fraud-config',
      o.fraudFile,
    ],
    { OPENVSE_KEK: TEST_KEK },
  );
}
