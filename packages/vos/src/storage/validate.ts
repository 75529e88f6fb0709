/**
 * Checks on what callers hand to sealed storage: namespace names, object ids, data and policies.
 * Bad input is TEE_ERROR_BAD_PARAMETERS (GP TEE Internal Core API v1.3 §5.7: bad object ids and
 * flags), an oversized object TEE_ERROR_STORAGE_NO_SPACE. Object ids are opaque strings: they are
 * never used as paths (files get random names; see sealed-store.ts).
 */
import { TeeResult, VosError } from '@openvse/protocol';
import type { ObjectPolicy, TransactionOp } from './types.js';

export const MAX_ID_BYTES = 1024;
export const MAX_OBJECT_BYTES = 16 * 1024 * 1024;
export const MAX_TRANSACTION_OPS = 4096;
export const MAX_KIND_BYTES = 64;

const TA_NS = /^ta:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const VOS_NS = /^vos:[a-z0-9][a-z0-9-]{0,62}$/;

function bad(message: string): never {
  throw new VosError(TeeResult.ERROR_BAD_PARAMETERS, message);
}

function wellFormedUtf8(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  if (b.toString('utf8') !== s) bad('string is not well-formed Unicode');
  return b;
}

/** `ta:<uuid>` (canonicalised to lower case) or `vos:<name>`; returns the canonical name. */
export function checkNamespaceName(name: unknown): string {
  if (typeof name !== 'string') bad('namespace name must be a string');
  const lower = name.startsWith('ta:') ? name.toLowerCase() : name;
  if (!TA_NS.test(lower) && !VOS_NS.test(lower)) bad('namespace name must be ta:<uuid> or vos:<name>');
  return lower;
}

export function checkObjectId(id: unknown): string {
  if (typeof id !== 'string' || id.length === 0) bad('object id must be a non-empty string');
  if (wellFormedUtf8(id).length > MAX_ID_BYTES) bad('object id too long');
  return id;
}

/** Copies the data (the caller may change its buffer while we work). */
export function copyData(data: unknown): Buffer {
  if (!(data instanceof Uint8Array)) bad('object data must be a Uint8Array');
  if (data.length > MAX_OBJECT_BYTES) {
    throw new VosError(TeeResult.ERROR_STORAGE_NO_SPACE, 'object larger than the sealed store accepts');
  }
  return Buffer.from(data);
}

export function checkPolicy(policy: unknown): ObjectPolicy {
  if (policy === undefined) return {};
  if (policy === null || typeof policy !== 'object' || Array.isArray(policy)) bad('policy must be an object');
  const out: ObjectPolicy = {};
  for (const [k, v] of Object.entries(policy)) {
    if (v === undefined) continue;
    if (k === 'usage') {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff)
        bad('policy.usage must be a u32');
      out.usage = v;
    } else if (k === 'extractable') {
      if (typeof v !== 'boolean') bad('policy.extractable must be a boolean');
      out.extractable = v;
    } else if (k === 'kind') {
      if (typeof v !== 'string' || wellFormedUtf8(v).length > MAX_KIND_BYTES)
        bad('policy.kind must be a short string');
      out.kind = v;
    } else {
      bad('unknown policy field');
    }
  }
  return out;
}

/** A checked transaction op; put data is already copied. */
export type CheckedOp =
  | { op: 'put'; id: string; data: Buffer; policy: ObjectPolicy }
  | { op: 'delete'; id: string };

export function checkOps(ops: unknown): CheckedOp[] {
  if (!Array.isArray(ops)) bad('transaction ops must be an array');
  if (ops.length > MAX_TRANSACTION_OPS) bad('too many ops in one transaction');
  const out: CheckedOp[] = [];
  try {
    for (const raw of ops as TransactionOp[]) {
      if (raw === null || typeof raw !== 'object') bad('transaction op must be an object');
      if (raw.op === 'put') {
        const id = checkObjectId(raw.id);
        const policy = checkPolicy(raw.policy);
        out.push({ op: 'put', id, data: copyData(raw.data), policy });
      } else if (raw.op === 'delete') {
        out.push({ op: 'delete', id: checkObjectId(raw.id) });
      } else {
        bad('transaction op must be put or delete');
      }
    }
  } catch (e) {
    wipeOps(out);
    throw e;
  }
  return out;
}

export function wipeOps(ops: CheckedOp[]): void {
  for (const o of ops) if (o.op === 'put') o.data.fill(0);
}
