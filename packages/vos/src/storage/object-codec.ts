/**
 * Sealed object file format, after OP-TEE REE FS (fs_htree.c: AES-GCM under a per-file key)
 * and GP TEE Internal Core API v1.3 §5 persistent objects. The per-file key is
 * HKDF-SHA256(namespace key, salt, "openvse/sealed-object/v1" ‖ SHA-256(ns ‖ id ‖ version)) (RFC 5869) —
 * OP-TEE's random FEK per file, derived instead of wrapped, so nothing extra is stored.
 * The associated data binds namespace, object id, version and key policy: a file copied to
 * another id, another namespace or another version, or an edited policy, fails authentication.
 *
 * Layout: "OVSEOBJ1" ‖ salt(32) ‖ iv(12) ‖ version u64 BE ‖ policy length u16 BE ‖ policy
 *         ‖ AES-256-GCM(data) ‖ tag(16)
 * AAD = "OVSEOBJ1" ‖ lp(ns) ‖ lp(id) ‖ version ‖ lp(policy) ‖ salt ‖ iv.
 */
import { createHash } from 'node:crypto';
import { TeeResult, VosError } from '@openvse/protocol';
import { fileKey, gcmOpen, gcmSeal, IV_BYTES, lp, randomSaltIv, SALT_BYTES, TAG_BYTES, u64 } from './aead.js';
import { decodePolicy, encodePolicy } from './policy-codec.js';
import type { ObjectPolicy } from './types.js';

const MAGIC = Buffer.from('OVSEOBJ1', 'ascii');
const HEADER = MAGIC.length + SALT_BYTES + IV_BYTES + 8 + 2;

export interface ObjectContext {
  namespace: string;
  id: string;
  version: number;
}

/** HKDF info is capped at 1024 bytes (Node), ids may be as long: the info carries their hash. */
function keyFor(nsKey: Uint8Array, salt: Buffer, ctx: ObjectContext): Buffer {
  const binding = createHash('sha256')
    .update(Buffer.concat([lp(ctx.namespace), lp(ctx.id), u64(ctx.version)]))
    .digest();
  return fileKey(nsKey, salt, Buffer.concat([Buffer.from('openvse/sealed-object/v1', 'utf8'), binding]));
}

function aad(ctx: ObjectContext, policy: Buffer, salt: Buffer, iv: Buffer): Buffer {
  return Buffer.concat([MAGIC, lp(ctx.namespace), lp(ctx.id), u64(ctx.version), lp(policy), salt, iv]);
}

export function sealObject(
  nsKey: Uint8Array,
  ctx: ObjectContext,
  policy: ObjectPolicy,
  data: Uint8Array,
): Buffer {
  const { salt, iv } = randomSaltIv();
  const pol = encodePolicy(policy);
  const head = Buffer.alloc(HEADER);
  MAGIC.copy(head, 0);
  salt.copy(head, MAGIC.length);
  iv.copy(head, MAGIC.length + SALT_BYTES);
  head.writeBigUInt64BE(BigInt(ctx.version), MAGIC.length + SALT_BYTES + IV_BYTES);
  head.writeUInt16BE(pol.length, HEADER - 2);
  const sealed = gcmSeal(keyFor(nsKey, salt, ctx), iv, aad(ctx, pol, salt, iv), data);
  return Buffer.concat([head, pol, sealed]);
}

/** Authenticates and decrypts; anything wrong is TEE_ERROR_CORRUPT_OBJECT. */
export function openObject(
  nsKey: Uint8Array,
  ctx: ObjectContext,
  file: Buffer,
): { data: Buffer; policy: ObjectPolicy } {
  const corrupt = (why: string) => new VosError(TeeResult.ERROR_CORRUPT_OBJECT, `sealed object ${why}`);
  if (file.length < HEADER + TAG_BYTES || !file.subarray(0, MAGIC.length).equals(MAGIC))
    throw corrupt('is malformed');
  const salt = file.subarray(MAGIC.length, MAGIC.length + SALT_BYTES);
  const iv = file.subarray(MAGIC.length + SALT_BYTES, MAGIC.length + SALT_BYTES + IV_BYTES);
  const version = file.readBigUInt64BE(MAGIC.length + SALT_BYTES + IV_BYTES);
  if (version !== BigInt(ctx.version)) throw corrupt('has the wrong version');
  const polLen = file.readUInt16BE(HEADER - 2);
  if (file.length < HEADER + polLen + TAG_BYTES) throw corrupt('is truncated');
  const pol = file.subarray(HEADER, HEADER + polLen);
  const data = gcmOpen(
    keyFor(nsKey, salt, ctx),
    iv,
    aad(ctx, pol, salt, iv),
    file.subarray(HEADER + polLen),
    'sealed object',
  );
  try {
    return { data, policy: decodePolicy(pol) };
  } catch (e) {
    data.fill(0);
    throw e;
  }
}
