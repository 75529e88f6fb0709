/**
 * Helpers for the process-boundary tests: a TA-signing key pinned in the V-OS the tests launch, a
 * test TA (command 0 adds 1 to a value, command 1 keeps the secure world busy), and `run`, which
 * launches fixtures/app.js under the launcher and collects its JSON lines. The TA's deadline is
 * 1.5 s: short enough that a watchdog living in the app's event loop would fire in the tests.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateTaSigningKeyPair, type LaunchOptions, launch, packTa } from '../../src/index.js';

export const APP = fileURLToPath(new URL('./fixtures/app.js', import.meta.url));
/** The repository root: the app must read the packages and node_modules it imports. */
export const REPO = fileURLToPath(new URL('../../../../../', import.meta.url)).replace(/\/$/, '');
export const TA_UUID = '7e570000-0000-4000-8000-0000000000a1';
export const signer = generateTaSigningKeyPair();

const TA_CODE = `
function TA_InvokeCommandEntryPoint(session, cmd, params) {
  if (cmd === 0) { params[0].a = params[0].a + 1; return; }
  if (cmd === 1) { const end = clock.monotonic() + params[0].a; while (clock.monotonic() < end) {} return; }
  return TEE.ERROR_NOT_SUPPORTED;
}`;

/** A temp folder (world-readable, so an app under another OS user can read what it needs). */
export function scratch(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  process.once('exit', () => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** The test TA, signed and written to `dir`; returns its path. */
export function writeTa(dir: string): string {
  const path = join(dir, 'test-ta.bundle');
  writeFileSync(
    path,
    packTa(
      {
        manifest: {
          uuid: TA_UUID,
          name: 'process-test',
          version: '1.0.0',
          capabilities: ['clock'],
          timeoutMs: 1500,
        },
        code: TA_CODE,
      },
      signer.privateKeyPem,
    ),
    { mode: 0o644 },
  );
  return path;
}

/** Launches the fixture app with `args`; resolves with its JSON lines once it exits. */
export async function run(
  args: string[],
  over: Partial<LaunchOptions['app']> & {
    dataDir?: string;
    users?: LaunchOptions['users'];
    rootOfTrust?: LaunchOptions['vos']['rootOfTrust'];
  } = {},
  onLine?: (o: Record<string, unknown>, l: ReturnType<typeof launch>) => void,
): Promise<{
  lines: Array<Record<string, unknown>>;
  stderr: string;
  code: number | null;
  vosStarts: number;
}> {
  const { dataDir, users, rootOfTrust, ...app } = over;
  let vosStarts = 0;
  const l = launch({
    vos: {
      dataDir: dataDir ?? scratch('vos-proc-'),
      pinnedTaKeys: [signer.publicKeyPem],
      ...(rootOfTrust ? { rootOfTrust } : {}),
    },
    app: {
      entry: APP,
      args,
      nodeOptions: ['--no-warnings'],
      ...app,
      readPaths: [REPO, ...(app.readPaths ?? [])],
    },
    stdio: 'pipe',
    ...(users ? { users } : {}),
    onEvent: (e) => {
      if (e.type === 'vos-started') vosStarts++;
    },
  });
  const lines: Array<Record<string, unknown>> = [];
  let stderr = '';
  let pending = '';
  l.app.stdout?.on('data', (d: Buffer) => {
    pending += String(d);
    for (let i = pending.indexOf('\n'); i >= 0; i = pending.indexOf('\n')) {
      const line = pending.slice(0, i).trim();
      pending = pending.slice(i + 1);
      if (!line.startsWith('{')) continue;
      const o = JSON.parse(line) as Record<string, unknown>;
      lines.push(o);
      onLine?.(o, l);
    }
  });
  l.app.stderr?.on('data', (d: Buffer) => {
    stderr += String(d);
  });
  if (args.includes('-')) {
    const give = () => {
      const pid = l.vosPid();
      if (pid) l.app.stdin?.write(`${pid}\n`);
      else setTimeout(give, 20);
    };
    give();
  }
  const timer = setTimeout(() => void l.stop(), 90_000);
  const { code } = await l.exited;
  clearTimeout(timer);
  await l.stop();
  return { lines, stderr, code, vosStarts };
}
