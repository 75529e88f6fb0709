/**
 * The `storage` syscall object (capability 'storage'): the TA's own sealed-storage namespace
 * `ta:<uuid>`, in the manner of GP TEE Internal Core API v1.3 §5.7 persistent objects
 * (TEE_STORAGE_PRIVATE: "only the TA that created an object can access it") and OP-TEE's per-TA
 * REE FS directory. The namespace is fixed by the core from the TA's signed UUID; no argument
 * can name another TA's namespace. Object ids are 1..128 of [A-Za-z0-9._:-] (no '/', which is
 * reserved for key objects: key-store.ts).
 */
import { TeeResult } from '@openvse/protocol';
import { isKeyPolicy, KEY_PREFIX } from '../keys/key-store.js';
import { TeeError } from '../worker/tee-error.js';
import type { TaContext } from './context.js';
import { bad, bytesArg, fresh, guarded, optionsArg } from './guards.js';

const ID = /^[A-Za-z0-9._:-]{1,128}$/;
const MAX_OBJECT = 256 * 1024;
const MAX_OPS = 64;

function objectId(v: unknown): string {
  if (typeof v !== 'string' || !ID.test(v)) throw bad('object id must be 1..128 of [A-Za-z0-9._:-]');
  return v;
}

export function makeStorageSyscalls(ctx: TaContext) {
  const ns = ctx.storage;
  return {
    read: guarded(async (id: unknown): Promise<Uint8Array | null> => {
      const got = await ns.read(objectId(id));
      if (!got) return null;
      if (isKeyPolicy(got.policy)) {
        got.data.fill(0);
        throw new TeeError(TeeResult.ERROR_ACCESS_DENIED, 'not a data object');
      }
      return fresh(got.data, true);
    }),
    write: guarded(async (id: unknown, data: unknown): Promise<void> => {
      await ns.write(objectId(id), bytesArg(data, 'data', 0, MAX_OBJECT));
    }),
    /** False when there was no such object. */
    delete: guarded(async (id: unknown): Promise<boolean> => {
      const oid = objectId(id);
      const ids = await ns.list();
      if (!ids.includes(oid)) return false;
      await ns.delete(oid);
      return true;
    }),
    list: guarded(async (): Promise<string[]> => {
      const ids = await ns.list();
      return ids.filter((i) => !i.startsWith(KEY_PREFIX));
    }),
    /** All-or-nothing: `[{op: 'write', id, data} | {op: 'delete', id}, ...]`. */
    transaction: guarded(async (ops: unknown): Promise<void> => {
      if (!Array.isArray(ops) || ops.length === 0 || ops.length > MAX_OPS)
        throw bad(`ops must be 1..${MAX_OPS} operations`);
      const checked: Array<{ op: 'put'; id: string; data: Uint8Array } | { op: 'delete'; id: string }> = [];
      for (let i = 0; i < ops.length; i++) {
        const o = optionsArg(ops[i], `ops[${i}]`);
        if (o.op === 'write')
          checked.push({ op: 'put', id: objectId(o.id), data: bytesArg(o.data, 'data', 0, MAX_OBJECT) });
        else if (o.op === 'delete') checked.push({ op: 'delete', id: objectId(o.id) });
        else throw bad(`ops[${i}].op must be 'write' or 'delete'`);
      }
      await ns.transaction(checked);
    }),
  };
}
