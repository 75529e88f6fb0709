/**
 * The signed app-file manifest (MASTG-TEST-0047 file integrity, MASVS-RESILIENCE-2, MASWE-0057;
 * docs/runtime-protection.md §2.6 "Module and file integrity": re-implemented ourselves because
 * Node 20's --experimental-policy is deprecated and gone in later majors).
 *
 *   { "version": 1, "algorithm": "sha256", "files": { "<relPath>": "<sha256 hex>" }, "createdAt": "<ISO>",
 *     "signature": { "alg": "Ed25519", "kid": "<RFC 7638 thumbprint>", "value": "<base64url>" } }
 *
 * The signature is detached from the signed body but kept in the same file: it signs the UTF-8
 * bytes of `openvse-app-manifest:` followed by the canonical JSON (RFC 8785 subset) of the
 * document without its "signature" member; the prefix keeps the signature from meaning anything
 * in another protocol. relPaths use "/", never start with "/" and never contain "." or ".."
 * segments. Every regular file under the directory is listed (symlinked files are hashed through
 * the link, symlinked directories are not followed); the manifest file itself is left out when it
 * sits inside the directory.
 */
import { createHash, createPublicKey, sign, verify } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { VGuardErrorCode } from '../errors.js';
import { canonicalJson } from './canonical-json.js';
import { loadManifestPrivateKey, loadManifestPublicKey, manifestKeyId } from './keys.js';

/** The unsigned app-file manifest: SHA-256 (hex) of every file, by path relative to the app directory. */
export type AppManifestBody = {
  version: 1;
  algorithm: 'sha256';
  files: Record<string, string>;
  createdAt: string;
};

/** The manifest with its Ed25519 signature over the canonical JSON of the body. */
export type SignedAppManifest = AppManifestBody & {
  signature: { alg: 'Ed25519'; kid: string; value: string };
};

/** Domain separation: the signature covers this prefix followed by the canonical body. */
export const MANIFEST_SIGNING_PREFIX = 'openvse-app-manifest:';

/** A manifest that does not have the expected shape (message names the first problem). */
export class ManifestFormatError extends Error {
  readonly code = VGuardErrorCode.MANIFEST_FORMAT;
}

const REL_PATH = /^(?!\/)(?!.*(?:^|\/)\.{1,2}(?:\/|$))[^\0\\]+$/;

/** True for a relative path without `.`/`..` segments, backslashes, NUL or empty segments. */
export function isSafeRelPath(p: string): boolean {
  return REL_PATH.test(p) && !p.endsWith('/') && !p.includes('//');
}

/** A file found under the app directory. */
export type WalkedFile = { relPath: string; absPath: string };

/** Regular files (and symlinks to files) under `dir`, sorted; symlinked directories are not followed. */
export function walkAppDir(dir: string, exclude: readonly string[] = []): WalkedFile[] {
  const root = resolve(dir);
  const excluded = new Set(exclude.map((p) => resolve(p)));
  const out: WalkedFile[] = [];
  const visit = (abs: string): void => {
    for (const entry of readdirSync(abs, { withFileTypes: true })) {
      const p = join(abs, entry.name);
      if (excluded.has(p)) continue;
      if (entry.isDirectory()) visit(p);
      else if (entry.isFile() || (entry.isSymbolicLink() && isFileThroughLink(p))) {
        out.push({ relPath: relative(root, p).split(sep).join('/'), absPath: p });
      }
    }
  };
  visit(root);
  return out.sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0));
}

function isFileThroughLink(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** SHA-256 of a whole file, hex. */
export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Hashes every file under `dir` (minus `exclude`) into an unsigned manifest body. */
export function createAppManifest(
  dir: string,
  opts: { exclude?: readonly string[]; now?: Date } = {},
): AppManifestBody {
  const files: Record<string, string> = {};
  for (const f of walkAppDir(dir, opts.exclude)) files[f.relPath] = sha256File(f.absPath);
  return { version: 1, algorithm: 'sha256', files, createdAt: (opts.now ?? new Date()).toISOString() };
}

function signedBytes(body: AppManifestBody): Buffer {
  const { version, algorithm, files, createdAt } = body;
  return Buffer.from(
    MANIFEST_SIGNING_PREFIX + canonicalJson({ version, algorithm, files, createdAt }),
    'utf8',
  );
}

/** Signs a manifest body with an Ed25519 private key (PKCS#8 PEM). */
export function signAppManifest(body: AppManifestBody, privateKeyPem: string): SignedAppManifest {
  const key = loadManifestPrivateKey(privateKeyPem);
  const value = sign(null, signedBytes(body), key).toString('base64url');
  return {
    version: body.version,
    algorithm: body.algorithm,
    files: body.files,
    createdAt: body.createdAt,
    signature: { alg: 'Ed25519', kid: manifestKeyId(createPublicKey(key)), value },
  };
}

/** Checks the shape of a parsed manifest; throws ManifestFormatError with the first problem. */
export function parseAppManifest(input: unknown): SignedAppManifest {
  const m = (typeof input === 'string' ? safeParse(input) : input) as Partial<SignedAppManifest> | undefined;
  if (!m || typeof m !== 'object' || Array.isArray(m))
    throw new ManifestFormatError('manifest is not a JSON object');
  const keys = Object.keys(m).sort().join(',');
  if (keys !== 'algorithm,createdAt,files,signature,version')
    throw new ManifestFormatError(`unexpected members: ${keys}`);
  if (m.version !== 1) throw new ManifestFormatError('unsupported manifest version');
  if (m.algorithm !== 'sha256') throw new ManifestFormatError('unsupported hash algorithm');
  if (typeof m.createdAt !== 'string' || Number.isNaN(Date.parse(m.createdAt))) {
    throw new ManifestFormatError('createdAt is not a date');
  }
  const files = m.files;
  if (!files || typeof files !== 'object' || Array.isArray(files))
    throw new ManifestFormatError('files is not an object');
  for (const [p, h] of Object.entries(files)) {
    if (!isSafeRelPath(p)) throw new ManifestFormatError('files has an unsafe path');
    if (typeof h !== 'string' || !/^[0-9a-f]{64}$/.test(h))
      throw new ManifestFormatError('files has a bad hash');
  }
  const s = m.signature;
  if (
    !s ||
    typeof s !== 'object' ||
    s.alg !== 'Ed25519' ||
    typeof s.kid !== 'string' ||
    typeof s.value !== 'string'
  ) {
    throw new ManifestFormatError('signature is missing or malformed');
  }
  return m as SignedAppManifest;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ManifestFormatError('manifest is not valid JSON');
  }
}

/** True when the signature verifies under the pinned Ed25519 public key. */
export function verifyManifestSignature(manifest: SignedAppManifest, pinnedPublicKeyPem: string): boolean {
  const key = loadManifestPublicKey(pinnedPublicKeyPem);
  const sig = Buffer.from(manifest.signature.value, 'base64url');
  if (sig.length !== 64) return false;
  try {
    return verify(null, signedBytes(manifest), key, sig);
  } catch {
    return false;
  }
}
