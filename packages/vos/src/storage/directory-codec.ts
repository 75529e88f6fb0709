/**
 * The sealed directory (manifest), after OP-TEE's dirf.db (tee_ree_fs.c) and fs_htree's two
 * header versions: `{objects: (namespace, id) → {file, sha256, version}, counter}`. It names and
 * hashes every object file, so it authenticates the whole store; its counter is the store's
 * monotonic state counter. Two slot files (A/B) hold the last two commits; the committed one is
 * the valid slot with the higher counter.
 *
 * Slot layout: "OVSEDIR1" ‖ counter u64 BE ‖ salt(32) ‖ iv(12) ‖ AES-256-GCM(JSON) ‖ tag(16),
 * key = HKDF-SHA256(directory key, salt, "openvse/sealed-directory/v1") (RFC 5869),
 * AAD = "OVSEDIR1" ‖ counter ‖ salt ‖ iv. The JSON repeats the counter; both must agree.
 * Entries are JSON arrays, never object keys, so ids like "__proto__" are plain data.
 */
import { TeeResult, VosError } from '@openvse/protocol';
import { fileKey, gcmOpen, gcmSeal, IV_BYTES, randomSaltIv, SALT_BYTES, TAG_BYTES, u64 } from './aead.js';

const MAGIC = Buffer.from('OVSEDIR1', 'ascii');
const HEADER = MAGIC.length + 8 + SALT_BYTES + IV_BYTES;
const INFO = Buffer.from('openvse/sealed-directory/v1', 'utf8');
export const OBJECT_FILE = /^[0-9a-f]{32}\.obj$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

export interface DirEntry {
  file: string;
  sha256: string;
  version: number;
}

export interface Manifest {
  counter: bigint;
  /** namespace → object id → entry. */
  namespaces: Map<string, Map<string, DirEntry>>;
}

export function emptyManifest(): Manifest {
  return { counter: 0n, namespaces: new Map() };
}

export function manifestFiles(m: Manifest | null | undefined): Set<string> {
  const out = new Set<string>();
  if (!m) return out;
  for (const ns of m.namespaces.values()) for (const e of ns.values()) out.add(e.file);
  return out;
}

export function sealManifest(dirKey: Uint8Array, m: Manifest): Buffer {
  const objects: Array<[string, string, string, string, number]> = [];
  for (const [ns, entries] of [...m.namespaces].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    for (const [id, e] of entries) objects.push([ns, id, e.file, e.sha256, e.version]);
  }
  const json = Buffer.from(JSON.stringify({ format: 1, counter: m.counter.toString(), objects }), 'utf8');
  const { salt, iv } = randomSaltIv();
  const head = Buffer.concat([MAGIC, u64(m.counter), salt, iv]);
  return Buffer.concat([head, gcmSeal(fileKey(dirKey, salt, INFO), iv, head, json)]);
}

/** The manifest in a slot file; any defect is TEE_ERROR_CORRUPT_OBJECT. */
export function openManifest(dirKey: Uint8Array, file: Buffer): Manifest {
  const corrupt = (why: string) => new VosError(TeeResult.ERROR_CORRUPT_OBJECT, `sealed directory ${why}`);
  if (file.length < HEADER + TAG_BYTES || !file.subarray(0, MAGIC.length).equals(MAGIC))
    throw corrupt('is malformed');
  const counter = file.readBigUInt64BE(MAGIC.length);
  const salt = file.subarray(MAGIC.length + 8, MAGIC.length + 8 + SALT_BYTES);
  const iv = file.subarray(MAGIC.length + 8 + SALT_BYTES, HEADER);
  const json = gcmOpen(
    fileKey(dirKey, salt, INFO),
    iv,
    file.subarray(0, HEADER),
    file.subarray(HEADER),
    'sealed directory',
  );
  let parsed: unknown;
  try {
    parsed = JSON.parse(json.toString('utf8'));
  } catch {
    throw corrupt('is not valid JSON');
  }
  const p = parsed as { format?: unknown; counter?: unknown; objects?: unknown };
  if (p === null || typeof p !== 'object' || p.format !== 1 || p.counter !== counter.toString()) {
    throw corrupt('header and content disagree');
  }
  if (!Array.isArray(p.objects)) throw corrupt('has no object list');
  const namespaces = new Map<string, Map<string, DirEntry>>();
  const files = new Set<string>();
  for (const row of p.objects as unknown[]) {
    if (!Array.isArray(row) || row.length !== 5) throw corrupt('has a malformed entry');
    const [ns, id, f, sha, version] = row as unknown[];
    if (
      typeof ns !== 'string' ||
      typeof id !== 'string' ||
      typeof f !== 'string' ||
      typeof sha !== 'string'
    ) {
      throw corrupt('has a malformed entry');
    }
    if (!OBJECT_FILE.test(f) || !SHA256_HEX.test(sha) || files.has(f))
      throw corrupt('has a bad file reference');
    if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1)
      throw corrupt('has a bad version');
    let entries = namespaces.get(ns);
    if (!entries) {
      entries = new Map();
      namespaces.set(ns, entries);
    }
    if (entries.has(id)) throw corrupt('has a duplicate entry');
    entries.set(id, { file: f, sha256: sha, version });
    files.add(f);
  }
  return { counter, namespaces };
}
