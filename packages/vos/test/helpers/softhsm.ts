/**
 * Throw-away SoftHSM2 tokens for tests: a private softhsm2.conf and token directory under a temp
 * folder, and a token initialised with softhsm2-util (SO PIN 87654321, user PIN 1234).
 * SoftHSM reads SOFTHSM2_CONF at C_Initialize, so set `env` on process.env before the first
 * PKCS#11 open in the process (node --test runs each test file in its own process); a scenario
 * that needs two configurations in one test file runs one of them in a child process.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const SOFTHSM_MODULE_CANDIDATES = [
  process.env.OPENVSE_SOFTHSM_MODULE ?? '',
  '/usr/lib/softhsm/libsofthsm2.so',
  '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/local/lib/softhsm/libsofthsm2.so',
].filter((p) => p.length > 0);

export interface SoftHsmToken {
  module: string;
  tokenLabel: string;
  pin: string;
  soPin: string;
  conf: string;
  tokenDir: string;
  /** Environment entries to apply (SOFTHSM2_CONF). */
  env: Record<string, string>;
  /** Initialises one more token in the same token directory (same conf). */
  addToken(label: string): Promise<void>;
  cleanup(): Promise<void>;
}

/** What is missing for SoftHSM tests, or null when everything is there. */
export function softHsmMissing(): string | null {
  const module = SOFTHSM_MODULE_CANDIDATES.find((p) => existsSync(p));
  if (!module) return 'softhsm2 (libsofthsm2.so; Debian package softhsm2)';
  const paths = (process.env.PATH ?? '').split(':');
  if (!paths.some((d) => d && existsSync(join(d, 'softhsm2-util'))))
    return 'softhsm2-util (Debian package softhsm2)';
  try {
    // pkcs11js is a native addon; it may be missing or unbuilt.
    import.meta.resolve('pkcs11js');
  } catch {
    return 'pkcs11js (native addon)';
  }
  return null;
}

export async function makeSoftHsmToken(opts: { label?: string } = {}): Promise<SoftHsmToken> {
  const module = SOFTHSM_MODULE_CANDIDATES.find((p) => existsSync(p));
  if (!module) throw new Error('libsofthsm2.so not found');
  const base = await mkdtemp(join(tmpdir(), 'openvse-softhsm-'));
  const tokenDir = join(base, 'tokens');
  await mkdir(tokenDir, { mode: 0o700 });
  const conf = join(base, 'softhsm2.conf');
  await writeFile(
    conf,
    `directories.tokendir = ${tokenDir}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`,
  );
  const env = { SOFTHSM2_CONF: conf };
  const pin = '1234';
  const soPin = '87654321';
  const addToken = async (label: string): Promise<void> => {
    await run(
      'softhsm2-util',
      ['--init-token', '--free', '--label', label, '--so-pin', soPin, '--pin', pin],
      { env: { ...process.env, ...env } },
    );
  };
  const tokenLabel = opts.label ?? 'openvse-test';
  await addToken(tokenLabel);
  return {
    module,
    tokenLabel,
    pin,
    soPin,
    conf,
    tokenDir,
    env,
    addToken,
    cleanup: () => rm(base, { recursive: true, force: true }),
  };
}
