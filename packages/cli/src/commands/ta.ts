/**
 * `openvse ta keygen|pack|verify`: TA-signing keys and signed TA bundles, the OpenVSE counterpart
 * of OP-TEE's `keys/default_ta.pem` + `scripts/sign_encrypt.py` (optee_docs trusted_applications.rst).
 * Keys are Ed25519 (RFC 8032, PKCS#8/SPKI PEM); the bundle format is docs/ta-packages.md.
 *
 *   openvse ta keygen --out <dir>            writes ta-signing.key.pem (0600) and ta-signing.pub.pem
 *   openvse ta pack --manifest <m.json> --code <ta.js> --key <private.pem> --out <bundle.ovta>
 *   openvse ta verify --bundle <f.ovta> --pub <public.pem> [--pub <other.pem> …]
 *
 * `pack` refuses code V-OS would not load (`checkTaCode` of @openvse/vos: SES's source rejections,
 * a strict-mode parse, the module shape), naming the line, before anything is signed.
 * Failures follow docs/cli.md: one line `openvse ta <cmd>: ERR_…: <reason>` on stderr (no stack),
 * exit 2 when the command could not run (a file unreadable or malformed, code that does not load,
 * a key that exists already), exit 1 when `verify` refuses the bundle's signature or hash.
 */
import { createPublicKey } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import {
  checkTaCode,
  generateTaSigningKeyPair,
  packTa,
  type TaLoadProblem,
  type TaManifestInput,
  verifyTaBundle,
} from '@openvse/vos';
import type { Command } from 'commander';
import { CliError, EXIT } from '../cli-error.js';

/** The private key file `ta keygen` writes (mode 0600). */
export const PRIVATE_KEY_FILE = 'ta-signing.key.pem';
/** The public key file `ta keygen` writes; pin it in the V-OS host configuration. */
export const PUBLIC_KEY_FILE = 'ta-signing.pub.pem';

/** The CLI's code and exit code for a V-OS TEE code from packing or verifying (docs/cli.md). */
function fromTee(e: unknown, what: 'pack' | 'verify'): unknown {
  const tee = (e as { code?: unknown } | null)?.code;
  if (typeof tee !== 'string' || !tee.startsWith('TEE_')) return e;
  const message = `${tee}: ${(e as Error).message}`;
  if (tee === 'TEE_ERROR_SECURITY') return new CliError('ERR_TA_REFUSED', message, { exitCode: EXIT.FAILED });
  if (tee === 'TEE_ERROR_BAD_FORMAT')
    return new CliError('ERR_TA_BUNDLE_MALFORMED', message, {
      exitCode: what === 'verify' ? EXIT.FAILED : EXIT.USAGE,
    });
  return new CliError('ERR_TA_BAD_INPUT', message, { exitCode: EXIT.USAGE });
}

function readBytes(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    const errno = (e as NodeJS.ErrnoException).code ?? 'EIO';
    throw new CliError('ERR_FILE_UNREADABLE', `cannot read ${what} ${path} (${errno})`);
  }
}

function readUtf8(path: string, what: string): string {
  const bytes = readBytes(path, what);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new CliError('ERR_FILE_MALFORMED', `${what} ${path} is not valid UTF-8`);
  }
}

function write(
  path: string,
  data: string | Uint8Array,
  mode: number,
  what: string,
  exclusive: boolean,
): void {
  try {
    writeFileSync(path, data, { mode, flag: exclusive ? 'wx' : 'w' });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    if (code === 'EEXIST')
      throw new CliError('ERR_FILE_EXISTS', `${what} ${path} already exists; not overwriting it`);
    throw new CliError('ERR_FILE_UNWRITABLE', `cannot write ${what} ${path} (${code})`);
  }
}

function keygen(opts: { out: string }): void {
  const priv = join(opts.out, PRIVATE_KEY_FILE);
  const pub = join(opts.out, PUBLIC_KEY_FILE);
  for (const p of [priv, pub])
    if (existsSync(p))
      throw new CliError('ERR_FILE_EXISTS', `${p} already exists; not overwriting a signing key`);
  try {
    mkdirSync(opts.out, { recursive: true, mode: 0o700 });
  } catch (e) {
    const errno = (e as NodeJS.ErrnoException).code ?? 'EIO';
    throw new CliError('ERR_FILE_UNWRITABLE', `cannot create ${opts.out} (${errno})`);
  }
  const kp = generateTaSigningKeyPair();
  write(priv, kp.privateKeyPem, 0o600, 'private key', true);
  write(pub, kp.publicKeyPem, 0o644, 'public key', true);
  console.log(`key id ${kp.keyId}`);
  console.log(`private key ${priv} (keep it offline; mode 0600)`);
  console.log(`public key  ${pub} (pin it in the V-OS host configuration)`);
}

/**
 * The load check's verdict on `code` (from file `file`) as a {@link CliError}: the first problem
 * on the error line (`<file>:<line>: …`), the others in the hint. Null when the code would load.
 */
export function codeLoadError(code: string, file: string): CliError | null {
  const problems = checkTaCode(code);
  if (problems.length === 0) return null;
  const name = basename(file);
  const where = (p: TaLoadProblem) => (p.line === undefined ? name : `${name}:${p.line}`);
  const [first, ...rest] = problems as [TaLoadProblem, ...TaLoadProblem[]];
  const also = rest.map((p) => `${where(p)} (${p.rule})`).join(', ');
  return new CliError('ERR_TA_CODE_WONT_LOAD', `${where(first)}: ${first.message} [${first.rule}]`, {
    exitCode: EXIT.USAGE,
    hint: `${also ? `also ${also}; ` : ''}V-OS refuses such code at install (docs/ta-packages.md "Keys and the CLI")`,
  });
}

function pack(opts: { manifest: string; code: string; key: string; out: string }): void {
  let manifest: unknown;
  const text = readUtf8(opts.manifest, 'manifest');
  try {
    manifest = JSON.parse(text);
  } catch {
    throw new CliError('ERR_FILE_MALFORMED', `manifest ${opts.manifest} is not valid JSON`);
  }
  if (manifest && typeof manifest === 'object' && 'codeSha256' in manifest) {
    throw new CliError(
      'ERR_TA_BAD_INPUT',
      'manifest must not contain codeSha256: pack computes it from --code',
    );
  }
  const code = readUtf8(opts.code, 'code');
  const key = readUtf8(opts.key, 'key');
  const wontLoad = codeLoadError(code, opts.code);
  if (wontLoad) throw wontLoad;
  let bundle: Uint8Array;
  let m: ReturnType<typeof verifyTaBundle>['manifest'];
  let signerKeyId: string;
  try {
    bundle = packTa({ manifest: manifest as TaManifestInput, code }, key);
    // Read it back exactly as V-OS will, so a bad bundle is never written.
    ({ manifest: m, signerKeyId } = verifyTaBundle(bundle, [createPublicKey(key)]));
  } catch (e) {
    throw fromTee(e, 'pack');
  }
  write(opts.out, bundle, 0o644, 'bundle', false);
  console.log(`packed ${opts.out}: ${m.name} ${m.uuid} v${m.version}, ${bundle.length} bytes`);
  console.log(`code sha256 ${m.codeSha256}`);
  console.log(`signed by key id ${signerKeyId}`);
}

function verify(opts: { bundle: string; pub: string[] }): void {
  const bundle = new Uint8Array(readBytes(opts.bundle, 'bundle'));
  const keys = opts.pub.map((p) => readUtf8(p, 'public key'));
  let out: ReturnType<typeof verifyTaBundle>;
  try {
    out = verifyTaBundle(bundle, keys);
  } catch (e) {
    throw fromTee(e, 'verify');
  }
  console.log(JSON.stringify({ signerKeyId: out.signerKeyId, manifest: out.manifest }, null, 2));
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Registers `openvse ta keygen|pack|verify`; failures are thrown to main.ts (docs/cli.md). */
export function registerTaCommands(program: Command): void {
  const ta = program.command('ta').description('Trusted Application signing keys and signed TA bundles');
  ta.command('keygen')
    .description('create an Ed25519 TA-signing key pair')
    .requiredOption('--out <dir>', 'directory for ta-signing.key.pem (0600) and ta-signing.pub.pem')
    .action(keygen);
  ta.command('pack')
    .description('check that the TA code loads in V-OS, then build and sign a TA bundle (.ovta)')
    .requiredOption(
      '--manifest <file>',
      'manifest JSON {uuid, name, version, capabilities, commands?, timeoutMs?}',
    )
    .requiredOption('--code <file>', 'the TA script (one self-contained JS file, no imports)')
    .requiredOption('--key <file>', 'TA-signing private key (PEM PKCS#8 Ed25519)')
    .requiredOption('--out <file>', 'where to write the signed bundle')
    .action(pack);
  ta.command('verify')
    .description('verify a TA bundle against pinned public keys and print its manifest')
    .requiredOption('--bundle <file>', 'the signed bundle')
    .requiredOption('--pub <file>', 'a pinned TA-signing public key (PEM SPKI); repeatable', collect)
    .action(verify);
}
