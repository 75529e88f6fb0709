/**
 * `openvse ta keygen|pack|verify`: TA-signing keys and signed TA bundles, the OpenVSE counterpart
 * of OP-TEE's `keys/default_ta.pem` + `scripts/sign_encrypt.py` (optee_docs trusted_applications.rst).
 * Keys are Ed25519 (RFC 8032, PKCS#8/SPKI PEM); the bundle format is docs/ta-packages.md.
 *
 *   openvse ta keygen --out <dir>            writes ta-signing.key.pem (0600) and ta-signing.pub.pem
 *   openvse ta pack --manifest <m.json> --code <ta.js> --key <private.pem> --out <bundle.ovta>
 *   openvse ta verify --bundle <f.ovta> --pub <public.pem> [--pub <other.pem> …]
 *
 * Every failure prints one line `openvse ta <cmd>: <reason>` on stderr (no stack) and exits 1.
 */
import { createPublicKey } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateTaSigningKeyPair, packTa, type TaManifestInput, verifyTaBundle } from '@openvse/vos';
import type { Command } from 'commander';

export const PRIVATE_KEY_FILE = 'ta-signing.key.pem';
export const PUBLIC_KEY_FILE = 'ta-signing.pub.pem';

/** A failure whose message is already fit for the user. */
class CliError extends Error {}

function reason(e: unknown): string {
  if (e instanceof CliError) return e.message;
  if (e && typeof e === 'object' && 'code' in e && typeof (e as { code: unknown }).code === 'string') {
    const { code, message } = e as { code: string; message: string };
    return code.startsWith('TEE_') ? `${code}: ${message}` : message;
  }
  return e instanceof Error ? e.message : String(e);
}

function action<A extends unknown[]>(name: string, fn: (...args: A) => void): (...args: A) => void {
  return (...args: A) => {
    try {
      fn(...args);
    } catch (e) {
      console.error(`openvse ta ${name}: ${reason(e).split('\n')[0]}`);
      process.exitCode = 1;
    }
  };
}

function readBytes(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new CliError(`cannot read ${what} ${path} (${(e as NodeJS.ErrnoException).code ?? 'EIO'})`);
  }
}

function readUtf8(path: string, what: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(readBytes(path, what));
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`${what} ${path} is not valid UTF-8`);
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
    throw new CliError(
      code === 'EEXIST'
        ? `${what} ${path} already exists; not overwriting it`
        : `cannot write ${what} ${path} (${code})`,
    );
  }
}

function keygen(opts: { out: string }): void {
  const priv = join(opts.out, PRIVATE_KEY_FILE);
  const pub = join(opts.out, PUBLIC_KEY_FILE);
  for (const p of [priv, pub])
    if (existsSync(p)) throw new CliError(`${p} already exists; not overwriting a signing key`);
  try {
    mkdirSync(opts.out, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new CliError(`cannot create ${opts.out} (${(e as NodeJS.ErrnoException).code ?? 'EIO'})`);
  }
  const kp = generateTaSigningKeyPair();
  write(priv, kp.privateKeyPem, 0o600, 'private key', true);
  write(pub, kp.publicKeyPem, 0o644, 'public key', true);
  console.log(`key id ${kp.keyId}`);
  console.log(`private key ${priv} (keep it offline; mode 0600)`);
  console.log(`public key  ${pub} (pin it in the V-OS host configuration)`);
}

function pack(opts: { manifest: string; code: string; key: string; out: string }): void {
  let manifest: unknown;
  try {
    manifest = JSON.parse(readUtf8(opts.manifest, 'manifest'));
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`manifest ${opts.manifest} is not valid JSON`);
  }
  if (manifest && typeof manifest === 'object' && 'codeSha256' in manifest) {
    throw new CliError('manifest must not contain codeSha256: pack computes it from --code');
  }
  const code = readUtf8(opts.code, 'code');
  const key = readUtf8(opts.key, 'key');
  const bundle = packTa({ manifest: manifest as TaManifestInput, code }, key);
  // Read it back exactly as V-OS will, so a bad bundle is never written.
  const { manifest: m, signerKeyId } = verifyTaBundle(bundle, [createPublicKey(key)]);
  write(opts.out, bundle, 0o644, 'bundle', false);
  console.log(`packed ${opts.out}: ${m.name} ${m.uuid} v${m.version}, ${bundle.length} bytes`);
  console.log(`code sha256 ${m.codeSha256}`);
  console.log(`signed by key id ${signerKeyId}`);
}

function verify(opts: { bundle: string; pub: string[] }): void {
  const bundle = new Uint8Array(readBytes(opts.bundle, 'bundle'));
  const keys = opts.pub.map((p) => readUtf8(p, 'public key'));
  const out = verifyTaBundle(bundle, keys);
  console.log(JSON.stringify({ signerKeyId: out.signerKeyId, manifest: out.manifest }, null, 2));
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function registerTaCommands(program: Command): void {
  const ta = program.command('ta').description('Trusted Application signing keys and signed TA bundles');
  ta.command('keygen')
    .description('create an Ed25519 TA-signing key pair')
    .requiredOption('--out <dir>', 'directory for ta-signing.key.pem (0600) and ta-signing.pub.pem')
    .action(action('keygen', keygen));
  ta.command('pack')
    .description('build and sign a TA bundle (.ovta)')
    .requiredOption(
      '--manifest <file>',
      'manifest JSON {uuid, name, version, capabilities, commands?, timeoutMs?}',
    )
    .requiredOption('--code <file>', 'the TA script (one self-contained JS file, no imports)')
    .requiredOption('--key <file>', 'TA-signing private key (PEM PKCS#8 Ed25519)')
    .requiredOption('--out <file>', 'where to write the signed bundle')
    .action(action('pack', pack));
  ta.command('verify')
    .description('verify a TA bundle against pinned public keys and print its manifest')
    .requiredOption('--bundle <file>', 'the signed bundle')
    .requiredOption('--pub <file>', 'a pinned TA-signing public key (PEM SPKI); repeatable', collect)
    .action(action('verify', verify));
}
