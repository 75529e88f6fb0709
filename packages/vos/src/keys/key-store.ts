/**
 * Persistent key objects in a TA's sealed-storage namespace (GP TEE Internal Core API v1.3 §5.7
 * TEE_CreatePersistentObject / TEE_OpenPersistentObject; OP-TEE stores the object's usage in the
 * object header, and `syscall_cryp_obj_restrict_usage` writes a narrowed usage back).
 *
 * The key's type and usage travel as the sealed object's *policy*, which the store binds into the
 * AES-GCM associated data, so flipping a usage bit in the file breaks authentication (the fix for
 * the SoftHSM boolean flip of docs/design.md "Key objects"). Key objects live under ids
 * `key/<id>`; the TA storage syscall refuses ids with '/', so a TA can never read a key object as
 * plain data.
 */
import { TeeResult } from '@openvse/protocol';
import type { StoreNamespace } from '../syscalls/context.js';
import { TeeError } from '../worker/tee-error.js';
import { KeyObj } from './key-object.js';
import { KEY_TYPES, type KeyType } from './key-types.js';
import { checkUsageRules } from './usage.js';

export const KEY_PREFIX = 'key/';
/** The sealed policy of a key object: `kind` = `key:<type>`, `usage` = the usage mask. */
export type KeyPolicy = { kind: string; usage: number };
const KIND_PREFIX = 'key:';

function encode(key: KeyObj): Uint8Array {
  const pub = key.pub ?? new Uint8Array(0);
  const out = new Uint8Array(2 + pub.length + key.secret.length);
  out[0] = 1;
  out[1] = pub.length;
  out.set(pub, 2);
  out.set(key.secret, 2 + pub.length);
  return out;
}

function decode(data: Uint8Array, policy: unknown): KeyObj {
  const p = policy as Partial<KeyPolicy> | undefined;
  const type =
    typeof p?.kind === 'string' && p.kind.startsWith(KIND_PREFIX) ? p.kind.slice(KIND_PREFIX.length) : '';
  if (!p || !Object.hasOwn(KEY_TYPES, type) || typeof p.usage !== 'number') {
    throw new TeeError(TeeResult.ERROR_CORRUPT_OBJECT, 'not a key object');
  }
  const keyType = type as KeyType;
  checkUsageRules(p.usage);
  if (data.length < 2 || data[0] !== 1 || data.length < 2 + data[1]!) {
    throw new TeeError(TeeResult.ERROR_CORRUPT_OBJECT, 'bad key object');
  }
  const pubLen = data[1]!;
  // Copies (a Buffer's slice would be a view of the blob that the caller wipes).
  const pub = pubLen > 0 ? new Uint8Array(data.subarray(2, 2 + pubLen)) : null;
  const secret = new Uint8Array(data.subarray(2 + pubLen));
  if (!KEY_TYPES[keyType].sizes.includes(secret.length)) {
    secret.fill(0);
    throw new TeeError(TeeResult.ERROR_CORRUPT_OBJECT, 'bad key length');
  }
  return new KeyObj(keyType, secret, p.usage, pub);
}

export async function storeKey(ns: StoreNamespace, id: string, key: KeyObj): Promise<void> {
  const blob = encode(key);
  try {
    const policy: KeyPolicy = { kind: KIND_PREFIX + key.type, usage: key.usage };
    await ns.write(KEY_PREFIX + id, blob, policy);
  } finally {
    blob.fill(0);
  }
}

export async function loadKey(ns: StoreNamespace, id: string): Promise<KeyObj> {
  const got = await ns.read(KEY_PREFIX + id);
  if (!got) throw new TeeError(TeeResult.ERROR_ITEM_NOT_FOUND, 'no such persistent key');
  try {
    const key = decode(got.data, got.policy);
    key.persistentId = id;
    return key;
  } finally {
    got.data.fill(0);
  }
}

export async function deleteKey(ns: StoreNamespace, id: string): Promise<boolean> {
  const ids = await ns.list();
  if (!ids.includes(KEY_PREFIX + id)) return false;
  await ns.delete(KEY_PREFIX + id);
  return true;
}

/** True when a sealed policy marks a key object. */
export function isKeyPolicy(policy: unknown): boolean {
  const kind = (policy as { kind?: unknown } | null | undefined)?.kind;
  return typeof kind === 'string' && kind.startsWith(KIND_PREFIX);
}

export async function listKeys(ns: StoreNamespace): Promise<string[]> {
  const ids = await ns.list();
  return ids.filter((i) => i.startsWith(KEY_PREFIX)).map((i) => i.slice(KEY_PREFIX.length));
}
