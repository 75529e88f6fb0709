/**
 * APP_MANIFEST_INVALID / APP_FILE_MODIFIED / APP_FILE_MISSING / APP_FILE_UNEXPECTED: the app's
 * files on disk differ from the signed hash manifest made at build time (`openvse guard manifest`):
 * MASTG-TEST-0047 (file integrity; "apply simple patches, re-package… the app should detect the
 * modification"), MASVS-RESILIENCE-2, MASWE-0057.
 * How: the manifest's Ed25519 signature must verify under the public key pinned in the app; if it
 * does not (or the manifest is malformed) only APP_MANIFEST_INVALID is reported — a list nobody
 * vouches for is not used. Then every listed file is re-hashed (SHA-256, whole file, every scan:
 * no mtime cache, since mtimes are forgeable); missing → APP_FILE_MISSING, different →
 * APP_FILE_MODIFIED (evidence: relPath only, never contents or hashes of contents we do not
 * own); code files present but not listed (.js .mjs .cjs .node) → APP_FILE_UNEXPECTED. At most 32
 * threats per code; the last one carries `omitted` when more were found.
 * Reliability: good against on-disk patching and repackaging. Cannot see: changes made in memory
 * after loading (BUILTIN_REPLACED and the preload checks), a patched checker (V-Guard itself is in
 * the manifest, but an attacker who rewrites it also rewrites this check: the server must also
 * see the manifest hash through V-OS attestation), a swapped pinned key when the key is shipped
 * as an ordinary app file (pin it in the V-OS host configuration).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Threat } from '@openvse/protocol';
import type { DetectorContext } from '../context.js';
import type { Detector } from '../detector.js';
import {
  isSafeRelPath,
  parseAppManifest,
  type SignedAppManifest,
  sha256File,
  verifyManifestSignature,
  walkAppDir,
} from '../manifest/app-manifest.js';
import { threat } from '../threat.js';

const CODE_FILE = /\.(js|mjs|cjs|node)$/;
const MAX_PER_CODE = 32;

function capped(list: Threat[]): Threat[] {
  if (list.length <= MAX_PER_CODE) return list;
  const kept = list.slice(0, MAX_PER_CODE);
  const last = kept[MAX_PER_CODE - 1]!;
  kept[MAX_PER_CODE - 1] = { ...last, evidence: { ...last.evidence, omitted: list.length - MAX_PER_CODE } };
  return kept;
}

/** Checks `dir` against a signed manifest (parsed object or JSON text). */
export function verifyAppManifest(
  dir: string,
  manifest: SignedAppManifest | string | unknown,
  pinnedPublicKeyPem: string,
  at: Date = new Date(),
): Threat[] {
  let m: SignedAppManifest;
  try {
    m = parseAppManifest(manifest);
  } catch (e) {
    return [
      threat('APP_MANIFEST_INVALID', { reason: 'format', detail: (e as Error).message.slice(0, 120) }, at),
    ];
  }
  let ok: boolean;
  try {
    ok = verifyManifestSignature(m, pinnedPublicKeyPem);
  } catch {
    return [threat('APP_MANIFEST_INVALID', { reason: 'pinned-key' }, at)];
  }
  if (!ok)
    return [threat('APP_MANIFEST_INVALID', { reason: 'signature', kid: m.signature.kid.slice(0, 64) }, at)];
  if (!existsSync(dir)) return [threat('APP_FILE_MISSING', { relPath: '.', directory: true }, at)];

  const modified: Threat[] = [];
  const missing: Threat[] = [];
  const unexpected: Threat[] = [];
  const listed = Object.keys(m.files).sort();
  for (const relPath of listed) {
    if (!isSafeRelPath(relPath)) continue; // parseAppManifest refused these already
    let hash: string;
    try {
      hash = sha256File(join(dir, relPath));
    } catch {
      missing.push(threat('APP_FILE_MISSING', { relPath }, at));
      continue;
    }
    if (hash !== m.files[relPath]) modified.push(threat('APP_FILE_MODIFIED', { relPath }, at));
  }
  let present: string[] = [];
  try {
    present = walkAppDir(dir).map((f) => f.relPath);
  } catch {
    // Unreadable directory: the per-file checks above already said what they could.
  }
  for (const relPath of present) {
    if (CODE_FILE.test(relPath) && !Object.hasOwn(m.files, relPath)) {
      unexpected.push(threat('APP_FILE_UNEXPECTED', { relPath }, at));
    }
  }
  return [...capped(modified), ...capped(missing), ...capped(unexpected)];
}

/** APP_MANIFEST_INVALID / APP_FILE_*: `dir` re-hashed against the signed manifest at every scan. */
export function appFilesDetector(
  dir: string,
  manifest: SignedAppManifest | string,
  pinnedPublicKeyPem: string,
): Detector {
  return {
    id: 'app-files',
    detect: (ctx: DetectorContext) => verifyAppManifest(dir, manifest, pinnedPublicKeyPem, ctx.now()),
  };
}
