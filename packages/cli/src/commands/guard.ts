/**
 * `openvse guard keygen|manifest|verify|scan`: V-Guard's signed app-file manifest (docs/vguard.md;
 * MASTG-TEST-0047 file integrity, MASVS-RESILIENCE-2) and a one-shot scan of the CLI's own process.
 *
 *   openvse guard keygen --out <dir>                     guard-signing.key.pem (0600) + guard-signing.pub.pem
 *   openvse guard manifest --dir <appDir> --key <ed25519 private pem> --out <manifest.json>
 *   openvse guard verify --dir <appDir> --manifest <manifest.json> --pub <public pem>
 *   openvse guard scan [--dir <appDir> --manifest <m.json> --pub <pem>]
 *
 * `verify` prints the threats as JSON and exits 1 when there is any; `scan` prints the ScanReport
 * and exits 1 when it is not clean. Failures follow docs/cli.md: one line
 * `openvse guard <cmd>: ERR_…: <reason>` on stderr (no stack); a file that cannot be read or is
 * malformed, a wrong key, a key that exists already exit 2. The run*Command functions do the work
 * and are exported for tests and scripts; they throw GuardCliError with a message fit for the user.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ScanReport, Threat } from '@openvse/protocol';
import {
  createAppManifest,
  createGuard,
  generateManifestKeyPair,
  parseAppManifest,
  type SignedAppManifest,
  signAppManifest,
  verifyAppManifest,
} from '@openvse/vguard';
import type { Command } from 'commander';
import { CliError, EXIT } from '../cli-error.js';

/** The private key file `guard keygen` writes (mode 0600). */
export const GUARD_PRIVATE_KEY_FILE = 'guard-signing.key.pem';
/** The public key file `guard keygen` writes; pin it in the app's V-Guard configuration. */
export const GUARD_PUBLIC_KEY_FILE = 'guard-signing.pub.pem';

/** A refused `openvse guard` invocation (bad file, key or manifest), reported with exit code 2. */
export class GuardCliError extends CliError {
  constructor(message: string, code = 'ERR_GUARD_REFUSED') {
    super(code, message, { exitCode: EXIT.USAGE });
    this.name = 'GuardCliError';
  }
}

function errno(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? 'EIO';
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new GuardCliError(`cannot read ${what} ${path} (${errno(e)})`, 'ERR_FILE_UNREADABLE');
  }
}

function writeText(path: string, text: string, mode: number, what: string, exclusive: boolean): void {
  try {
    writeFileSync(path, text, { mode, flag: exclusive ? 'wx' : 'w' });
  } catch (e) {
    const code = errno(e);
    throw new GuardCliError(
      code === 'EEXIST'
        ? `${what} ${path} already exists; not overwriting it`
        : `cannot write ${what} ${path} (${code})`,
      code === 'EEXIST' ? 'ERR_FILE_EXISTS' : 'ERR_FILE_UNWRITABLE',
    );
  }
}

function requireDir(dir: string): void {
  if (!existsSync(dir)) throw new GuardCliError(`app directory ${dir} does not exist`, 'ERR_FILE_UNREADABLE');
}

/** What `guard keygen` made. */
export type KeygenResult = { keyId: string; privateKeyPath: string; publicKeyPath: string };

/** `guard keygen`: a manifest-signing key pair in `opts.out` (never overwrites one). */
export function runGuardKeygenCommand(opts: { out: string }): KeygenResult {
  const privateKeyPath = resolve(opts.out, GUARD_PRIVATE_KEY_FILE);
  const publicKeyPath = resolve(opts.out, GUARD_PUBLIC_KEY_FILE);
  for (const p of [privateKeyPath, publicKeyPath]) {
    if (existsSync(p))
      throw new GuardCliError(`${p} already exists; not overwriting a signing key`, 'ERR_FILE_EXISTS');
  }
  try {
    mkdirSync(opts.out, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new GuardCliError(`cannot create ${opts.out} (${errno(e)})`);
  }
  const kp = generateManifestKeyPair();
  writeText(privateKeyPath, kp.privateKeyPem, 0o600, 'private key', true);
  writeText(publicKeyPath, kp.publicKeyPem, 0o644, 'public key', true);
  return { keyId: kp.keyId, privateKeyPath, publicKeyPath };
}

/** What `guard manifest` wrote. */
export type ManifestResult = { out: string; files: number; keyId: string; manifest: SignedAppManifest };

/** `guard manifest`: hashes every file of `opts.dir` into a manifest signed with `opts.key`. */
export function runGuardManifestCommand(opts: {
  dir: string;
  key: string;
  out: string;
  now?: Date;
}): ManifestResult {
  requireDir(opts.dir);
  const key = readText(opts.key, 'key');
  let body: ReturnType<typeof createAppManifest>;
  try {
    body = createAppManifest(opts.dir, { exclude: [opts.out], now: opts.now });
  } catch (e) {
    throw new GuardCliError(`cannot hash ${opts.dir} (${errno(e)})`);
  }
  let manifest: SignedAppManifest;
  try {
    manifest = signAppManifest(body, key);
  } catch (e) {
    throw new GuardCliError((e as Error).message);
  }
  writeText(opts.out, `${JSON.stringify(manifest, null, 2)}\n`, 0o644, 'manifest', false);
  return {
    out: opts.out,
    files: Object.keys(manifest.files).length,
    keyId: manifest.signature.kid,
    manifest,
  };
}

/**
 * `guard verify`: the threats found checking `opts.dir` against the signed manifest (none: clean).
 * A manifest that is not one at all (not JSON, wrong shape) is a {@link GuardCliError}; one that
 * parses but does not verify is a threat.
 */
export function runGuardVerifyCommand(opts: { dir: string; manifest: string; pub: string }): Threat[] {
  requireDir(opts.dir);
  const text = readText(opts.manifest, 'manifest');
  parseManifestFile(text, opts.manifest);
  const pub = readText(opts.pub, 'public key');
  const threats = verifyAppManifest(opts.dir, text, pub);
  const badKey = threats.find((t) => t.code === 'APP_MANIFEST_INVALID' && t.evidence.reason === 'pinned-key');
  if (badKey) throw new GuardCliError(`${opts.pub} is not an Ed25519 public key (PEM SPKI)`);
  return threats;
}

function parseManifestFile(text: string, path: string): void {
  try {
    parseAppManifest(text);
  } catch (e) {
    throw new GuardCliError(`manifest ${path}: ${(e as Error).message}`, 'ERR_FILE_MALFORMED');
  }
}

/** `guard scan`: one V-Guard scan of this process, with the app-file check when all three are given. */
export async function runGuardScanCommand(opts: {
  dir?: string;
  manifest?: string;
  pub?: string;
}): Promise<ScanReport> {
  const given = [opts.dir, opts.manifest, opts.pub].filter((v) => v !== undefined).length;
  if (given !== 0 && given !== 3) throw new GuardCliError('--dir, --manifest and --pub go together');
  if (opts.dir && opts.manifest && opts.pub) {
    requireDir(opts.dir);
    const text = readText(opts.manifest, 'manifest');
    parseManifestFile(text, opts.manifest);
    const guard = createGuard({
      manifest: text,
      appDir: opts.dir,
      pinnedKey: readText(opts.pub, 'public key'),
    });
    return guard.scan('start');
  }
  return createGuard().scan('start');
}

/** Registers `openvse guard keygen|manifest|verify|scan`; failures are thrown to main.ts (docs/cli.md). */
export function registerGuardCommands(program: Command): void {
  const guard = program
    .command('guard')
    .description('V-Guard: signed app-file manifests and runtime threat scans');
  guard
    .command('keygen')
    .description('create an Ed25519 key pair for signing app-file manifests')
    .requiredOption(
      '--out <dir>',
      `directory for ${GUARD_PRIVATE_KEY_FILE} (0600) and ${GUARD_PUBLIC_KEY_FILE}`,
    )
    .action((opts: { out: string }) => {
      const r = runGuardKeygenCommand(opts);
      console.log(`key id ${r.keyId}`);
      console.log(`private key ${r.privateKeyPath} (keep it with the build system; mode 0600)`);
      console.log(`public key  ${r.publicKeyPath} (pin it in the app's V-Guard configuration)`);
    });
  guard
    .command('manifest')
    .description('hash every file of an app directory into a signed manifest (sha256, Ed25519)')
    .requiredOption('--dir <appDir>', 'the app directory')
    .requiredOption('--key <file>', 'manifest-signing private key (PEM PKCS#8 Ed25519)')
    .requiredOption('--out <file>', 'where to write manifest.json (left out of the hash list)')
    .action((opts: { dir: string; key: string; out: string }) => {
      const r = runGuardManifestCommand(opts);
      console.log(`wrote ${r.out}: ${r.files} files, signed by key id ${r.keyId}`);
    });
  guard
    .command('verify')
    .description('check an app directory against a signed manifest; prints threats, exit 1 if any')
    .requiredOption('--dir <appDir>', 'the app directory')
    .requiredOption('--manifest <file>', 'the signed manifest')
    .requiredOption('--pub <file>', 'the pinned manifest-signing public key (PEM SPKI)')
    .action((opts: { dir: string; manifest: string; pub: string }) => {
      const threats = runGuardVerifyCommand(opts);
      console.log(JSON.stringify(threats, null, 2));
      if (threats.length)
        throw new CliError(
          'ERR_GUARD_THREATS',
          `${threats.length} threat(s): ${[...new Set(threats.map((t) => t.code))].join(', ')}`,
          { exitCode: EXIT.FAILED },
        );
    });
  guard
    .command('scan')
    .description('scan this process once and print the V-Guard report; exit 1 if not clean')
    .option('--dir <appDir>', 'app directory to check against --manifest')
    .option('--manifest <file>', 'signed manifest')
    .option('--pub <file>', 'pinned manifest-signing public key')
    .action(async (opts: { dir?: string; manifest?: string; pub?: string }) => {
      const report = await runGuardScanCommand(opts);
      console.log(JSON.stringify(report, null, 2));
      if (!report.clean)
        throw new CliError(
          'ERR_GUARD_THREATS',
          `not clean: ${[...new Set(report.threats.map((t) => t.code))].join(', ') || 'see the report'}`,
          { exitCode: EXIT.FAILED },
        );
    });
}
