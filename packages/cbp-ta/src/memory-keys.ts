/**
 * The key handles, persistent keys and stored objects of the two in-process platforms
 * (software-platform.ts on node:crypto, pure-platform.ts in pure JavaScript): the CbpPlatform
 * methods that keep keys and objects but compute nothing (core/platform.ts), written once. Plain
 * JavaScript with no Buffer and no node:* import, so that the Hermes bundle can carry it
 * (docs/mobile.md). Secrets are zeroed when a key is destroyed or deleted.
 *
 * Each platform says what "changed" means for it: the software platform writes its state file,
 * the pure one only counts (both advance their state counter).
 */
import type { CbpPlatform, KeyHandle, StorageOp } from './core/platform.js';

/** What a key may be used for. */
export type KeyUsage = 'mac' | 'derive' | 'sign';

/** A key held in memory: 3DES (16 bytes) or a P-256 private scalar with its public point. */
export interface MemoryKey {
  type: 'DES3' | 'EC_P256';
  secret: Uint8Array;
  usage: KeyUsage;
  /** EC: the uncompressed public point (65 bytes). */
  pub?: Uint8Array;
  /** The persistent id this handle was loaded from or saved as. */
  persistentId?: string;
}

/** The CbpPlatform methods a {@link MemoryKeyStore} implements. */
export type MemoryKeyMethods = Pick<
  CbpPlatform,
  | 'importDes3Key'
  | 'xorDeriveDes3Key'
  | 'randomDes3Key'
  | 'persistKey'
  | 'loadKey'
  | 'destroyKey'
  | 'deletePersistentKey'
  | 'listPersistentKeys'
  | 'read'
  | 'transaction'
  | 'list'
>;

/** Handles, persistent keys and objects, with the platform methods over them. */
export interface MemoryKeyStore {
  /** Stored objects by id (the platform's sealed storage stand-in). */
  readonly objects: Map<string, Uint8Array>;
  /** Persistent keys by id. */
  readonly persistent: Map<string, MemoryKey>;
  /** Open key handles. */
  readonly handles: Map<number, MemoryKey>;
  /** Opens a handle on `key`. */
  add(key: MemoryKey): KeyHandle;
  /** The key of a handle, checked for type and usage when given. */
  get(handle: KeyHandle, type?: MemoryKey['type'], usage?: KeyUsage): MemoryKey;
  /** The key and storage methods, to spread into the platform object. */
  readonly methods: MemoryKeyMethods;
}

/** Object and persistent key ids: what V-OS's sealed storage accepts too. */
const ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A key store over the given maps (empty when absent). */
export function createMemoryKeyStore(options: {
  /** `n` random bytes (the platform's source). */
  randomBytes(n: number): Uint8Array;
  /** Called after every change to persistent keys or objects. */
  changed(): void;
  /** The platform's own error for a refused call. */
  fail(message: string): Error;
  objects?: Map<string, Uint8Array>;
  persistent?: Map<string, MemoryKey>;
}): MemoryKeyStore {
  const { randomBytes, changed, fail } = options;
  const objects = options.objects ?? new Map<string, Uint8Array>();
  const persistent = options.persistent ?? new Map<string, MemoryKey>();
  const handles = new Map<number, MemoryKey>();
  let nextHandle = 1;

  function add(k: MemoryKey): KeyHandle {
    const h = nextHandle++;
    handles.set(h, k);
    return h;
  }
  function get(h: KeyHandle, type?: MemoryKey['type'], usage?: KeyUsage): MemoryKey {
    const k = handles.get(h);
    if (!k) throw fail('no such key handle');
    if (type && k.type !== type) throw fail(`key is not ${type}`);
    if (usage && k.usage !== usage) throw fail(`key usage does not allow ${usage}`);
    return k;
  }
  function checkId(id: string): string {
    if (typeof id !== 'string' || !ID.test(id)) throw fail('bad object id');
    return id;
  }

  const methods: MemoryKeyMethods = {
    async importDes3Key(bytes, usage) {
      if (!(bytes instanceof Uint8Array) || bytes.length !== 16) throw fail('3DES key must be 16 bytes');
      return add({ type: 'DES3', secret: new Uint8Array(bytes), usage });
    },
    async xorDeriveDes3Key(base, mask) {
      const k = get(base, 'DES3', 'derive');
      if (mask.length !== k.secret.length) throw fail('mask length');
      const out = new Uint8Array(k.secret.length);
      for (let i = 0; i < out.length; i++) out[i] = k.secret[i]! ^ mask[i]!;
      return add({ type: 'DES3', secret: out, usage: 'mac' });
    },
    async randomDes3Key() {
      return add({ type: 'DES3', secret: new Uint8Array(randomBytes(16)), usage: 'mac' });
    },
    async persistKey(h, id) {
      const k = get(h);
      persistent.set(checkId(id), { ...k, secret: new Uint8Array(k.secret), persistentId: undefined });
      k.persistentId = id;
      changed();
    },
    async loadKey(id) {
      const k = persistent.get(checkId(id));
      if (!k) throw fail('no such persistent key');
      return add({ ...k, secret: new Uint8Array(k.secret), persistentId: id });
    },
    async destroyKey(h) {
      const k = get(h);
      k.secret.fill(0);
      handles.delete(h);
    },
    async deletePersistentKey(id) {
      const k = persistent.get(checkId(id));
      if (!k) return false;
      k.secret.fill(0);
      persistent.delete(id);
      for (const [h, hk] of handles) {
        if (hk.persistentId === id) {
          hk.secret.fill(0);
          handles.delete(h);
        }
      }
      changed();
      return true;
    },
    async listPersistentKeys() {
      return [...persistent.keys()].sort();
    },
    async read(id) {
      const v = objects.get(checkId(id));
      return v ? new Uint8Array(v) : null;
    },
    async transaction(ops: StorageOp[]) {
      // All or nothing: the ops apply to a copy, which replaces the objects only if every op holds.
      const next = new Map(objects);
      for (const op of ops) {
        if (op.op === 'write') next.set(checkId(op.id), new Uint8Array(op.data));
        else {
          if (!next.has(checkId(op.id))) throw fail('no such object');
          next.delete(op.id);
        }
      }
      objects.clear();
      for (const [k, v] of next) objects.set(k, v);
      changed();
    },
    async list() {
      return [...objects.keys()].sort();
    },
  };
  return { objects, persistent, handles, add, get, methods };
}
