/**
 * V-OS sealed storage, modelled on OP-TEE REE FS (secure_storage.rst, tee_ree_fs.c, fs_htree.c)
 * and offering GP TEE Internal Core API v1.3 §5 style persistent objects per namespace
 * (`ta:<uuid>` per TA, `vos:system` for V-OS itself).
 *
 * Keys: root of trust → namespace key = root.deriveKey(namespace) (OP-TEE TSK) → per-file key by
 * HKDF-SHA256 with the namespace, id, version and a random salt (object-codec.ts). The directory
 * key is root.deriveKey('vos-storage:directory'), a label no namespace can take.
 *
 * On disk (`dir`): `dir.A`, `dir.B` (two sealed directory slots, directory-codec.ts),
 * `objects/<random 128-bit hex>.obj` (sealed objects; ids never reach the file system), `.lock`.
 *
 * Commit (write, delete, transaction): write every new object file under a fresh name and fsync
 * it, fsync objects/, then overwrite the slot that does not hold the committed state with the new
 * directory (counter + 1) and fsync it (a torn slot fails authentication and the other slot
 * still holds the committed state, so no temp file or rename is needed), then advance the root's
 * anchor, then delete files that neither of the two slots references. A crash at any point
 * leaves the old or the new state. A delete-only commit writes one file with one fsync. Reads
 * check the file's SHA-256 against the directory, then the GCM tag; they (and `list`) see the
 * committed state at once, without waiting for a commit in progress.
 *
 * Rollback: every commit bumps `stateCounter`. With an anchor (PKCS#11), open refuses a store
 * whose committed counter is below the anchor (TEE_ERROR_SECURITY). Without one, a copied-back
 * folder opens with a lower counter, which the server sees in the TA's signed state reports.
 * Corruption is never repaired silently (OP-TEE #4619/#7037): a slot that fails authentication is
 * ignored, and if no slot is valid the store refuses to open (TEE_ERROR_CORRUPT_OBJECT).
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { TeeResult, VosError } from '@openvse/protocol';
import type { RootOfTrust } from '../root-of-trust/types.js';
import {
  type DirEntry,
  emptyManifest,
  type Manifest,
  manifestFiles,
  OBJECT_FILE,
  openManifest,
  sealManifest,
} from './directory-codec.js';
import {
  createFileAtomically,
  fsyncDir,
  overwriteFile,
  storageError,
  TMP_SUFFIX,
  writeNewFile,
} from './durable-files.js';
import { openObject, sealObject } from './object-codec.js';
import { SerialQueue } from './serial-queue.js';
import { lockStore } from './store-lock.js';
import type { SealedNamespace, SealedObject, TransactionOp } from './types.js';
import {
  type CheckedOp,
  checkNamespaceName,
  checkObjectId,
  checkOps,
  checkPolicy,
  copyData,
  wipeOps,
} from './validate.js';

export const SLOT_FILES = ['dir.A', 'dir.B'] as const;
export const OBJECTS_DIR = 'objects';
export const DIRECTORY_KEY_LABEL = 'vos-storage:directory';
const U64_MAX = (1n << 64n) - 1n;

interface Slot {
  present: boolean;
  manifest: Manifest | null;
}

function sha256hex(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

async function readSlot(dir: string, dirKey: Buffer, name: string): Promise<Slot> {
  let file: Buffer;
  try {
    file = await readFile(join(dir, name));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { present: false, manifest: null };
    throw storageError(e, 'reading the sealed directory');
  }
  try {
    return { present: true, manifest: openManifest(dirKey, file) };
  } catch (e) {
    if (e instanceof VosError && e.result === TeeResult.ERROR_CORRUPT_OBJECT)
      return { present: true, manifest: null };
    throw e;
  }
}

async function copyKey(root: RootOfTrust, label: string): Promise<Buffer> {
  const k = await root.deriveKey(label);
  try {
    if (!(k instanceof Uint8Array) || k.length !== 32) {
      throw new VosError(TeeResult.ERROR_SECURITY, 'root of trust returned a malformed key');
    }
    return Buffer.from(k);
  } finally {
    k.fill(0);
  }
}

export class SealedStore {
  readonly #dir: string;
  readonly #objDir: string;
  readonly #root: RootOfTrust;
  readonly #queue = new SerialQueue();
  readonly #unlock: () => Promise<void>;
  #dirKey: Buffer | null;
  readonly #nsKeys = new Map<string, Buffer>();
  readonly #namespaces = new Map<string, SealedNamespace>();
  #current: Manifest;
  #previous: Manifest | null;
  #nextSlot: 0 | 1;
  /** Which slot files exist (a new one needs a directory fsync when first written). */
  readonly #slotExists: [boolean, boolean];
  #closed = false;

  private constructor(
    dir: string,
    root: RootOfTrust,
    unlock: () => Promise<void>,
    dirKey: Buffer,
    current: Manifest,
    previous: Manifest | null,
    nextSlot: 0 | 1,
    slotExists: [boolean, boolean],
  ) {
    this.#dir = dir;
    this.#slotExists = slotExists;
    this.#objDir = join(dir, OBJECTS_DIR);
    this.#root = root;
    this.#unlock = unlock;
    this.#dirKey = dirKey;
    this.#current = current;
    this.#previous = previous;
    this.#nextSlot = nextSlot;
  }

  /**
   * Opens (or creates) the store in `dir`. Refuses a store with no valid directory slot
   * (TEE_ERROR_CORRUPT_OBJECT), a store older than the root's anchor (TEE_ERROR_SECURITY,
   * 'rollback detected'), and a directory already open (TEE_ERROR_ACCESS_CONFLICT).
   * The root stays owned by the caller (close it after the store).
   */
  static async open(opts: { dir: string; root: RootOfTrust }): Promise<SealedStore> {
    if (!opts || typeof opts.dir !== 'string' || opts.dir.length === 0) {
      throw new VosError(TeeResult.ERROR_BAD_PARAMETERS, 'sealed store needs a directory');
    }
    const root = opts.root;
    if (!root || typeof root.deriveKey !== 'function') {
      throw new VosError(TeeResult.ERROR_BAD_PARAMETERS, 'sealed store needs a root of trust');
    }
    const dir = opts.dir;
    try {
      await mkdir(join(dir, OBJECTS_DIR), { recursive: true, mode: 0o700 });
    } catch (e) {
      throw storageError(e, 'creating the sealed store');
    }
    const unlock = await lockStore(dir);
    let dirKey: Buffer | null = null;
    try {
      dirKey = await copyKey(root, DIRECTORY_KEY_LABEL);
      const slots = [await readSlot(dir, dirKey, SLOT_FILES[0]), await readSlot(dir, dirKey, SLOT_FILES[1])];
      const [a, b] = [slots[0]?.manifest ?? null, slots[1]?.manifest ?? null];
      let current: Manifest;
      let previous: Manifest | null = null;
      let nextSlot: 0 | 1 = 0;
      if (!a && !b) {
        if (slots.some((s) => s.present)) {
          throw new VosError(TeeResult.ERROR_CORRUPT_OBJECT, 'sealed directory: no valid slot');
        }
        current = emptyManifest();
      } else if (a && (!b || a.counter >= b.counter)) {
        current = a;
        previous = b && b.counter < a.counter ? b : null;
        nextSlot = 1;
      } else {
        current = b as Manifest;
        previous = a;
        nextSlot = 0;
      }
      if (root.anchor) {
        const anchor = await root.anchor.read();
        if (current.counter < anchor) {
          throw new VosError(
            TeeResult.ERROR_SECURITY,
            'rollback detected: sealed store is older than its anchor',
          );
        }
        if (current.counter > anchor) await root.anchor.advance(current.counter); // crash after rename
      }
      const store = new SealedStore(dir, root, unlock, dirKey, current, previous, nextSlot, [
        slots[0]?.present === true,
        slots[1]?.present === true,
      ]);
      await store.#collectGarbageAtOpen();
      return store;
    } catch (e) {
      dirKey?.fill(0);
      await unlock();
      throw e;
    }
  }

  /** Monotonic state counter: +1 per committed write, delete or transaction; 0 for a new store. */
  get stateCounter(): bigint {
    return this.#current.counter;
  }

  /** The storage space of one namespace (`ta:<uuid>` or `vos:<name>`). */
  namespace(name: string): SealedNamespace {
    const ns = checkNamespaceName(name);
    this.#checkOpen();
    const cached = this.#namespaces.get(ns);
    if (cached) return cached;
    const api: SealedNamespace = Object.freeze({
      // Reads see the committed state (a commit in progress is not visible before its slot is
      // written), so they do not queue behind a commit.
      read: async (id: string) => this.#read(ns, checkObjectId(id)),
      write: async (id: string, data: Uint8Array, policy?: unknown) => {
        const op: CheckedOp = {
          op: 'put',
          id: checkObjectId(id),
          policy: checkPolicy(policy),
          data: copyData(data),
        };
        return this.#queue.run(() => this.#transact(ns, [op]));
      },
      delete: async (id: string) => {
        const op: CheckedOp = { op: 'delete', id: checkObjectId(id) };
        return this.#queue.run(() => this.#transact(ns, [op]));
      },
      list: async () => this.#list(ns),
      transaction: async (ops: TransactionOp[]) => {
        const checked = checkOps(ops);
        return this.#queue.run(() => this.#transact(ns, checked));
      },
    });
    this.#namespaces.set(ns, api);
    return api;
  }

  /** Waits for pending operations, zeroes keys and releases the directory lock. Idempotent. */
  async close(): Promise<void> {
    await this.#queue.run(async () => {
      if (this.#closed) return;
      this.#closed = true;
      this.#dirKey?.fill(0);
      this.#dirKey = null;
      for (const k of this.#nsKeys.values()) k.fill(0);
      this.#nsKeys.clear();
      await this.#unlock();
    });
  }

  #checkOpen(): void {
    if (this.#closed) throw new VosError(TeeResult.ERROR_BAD_STATE, 'sealed store is closed');
  }

  async #nsKey(ns: string): Promise<Buffer> {
    const k = this.#nsKeys.get(ns);
    if (k) return k;
    const got = await copyKey(this.#root, ns);
    // A read and a commit may both have derived it (reads do not queue): keep the first.
    const first = this.#nsKeys.get(ns);
    if (first || this.#closed) {
      got.fill(0);
      if (first) return first;
      throw new VosError(TeeResult.ERROR_BAD_STATE, 'sealed store is closed');
    }
    this.#nsKeys.set(ns, got);
    return got;
  }

  async #read(ns: string, id: string): Promise<SealedObject | null> {
    this.#checkOpen();
    const entry = this.#current.namespaces.get(ns)?.get(id);
    if (!entry) return null;
    let file: Buffer;
    try {
      // Synchronous: the hot read of a payment, in the worker's own thread (see durable-files.ts).
      file = readFileSync(join(this.#objDir, entry.file));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new VosError(TeeResult.ERROR_CORRUPT_OBJECT, 'sealed object file is missing');
      }
      throw storageError(e, 'reading a sealed object');
    }
    if (sha256hex(file) !== entry.sha256) {
      throw new VosError(TeeResult.ERROR_CORRUPT_OBJECT, 'sealed object does not match the directory');
    }
    const nsKey = await this.#nsKey(ns);
    this.#checkOpen();
    const { data, policy } = openObject(nsKey, { namespace: ns, id, version: entry.version }, file);
    return { data, policy, version: entry.version };
  }

  #list(ns: string): string[] {
    this.#checkOpen();
    return [...(this.#current.namespaces.get(ns)?.keys() ?? [])].sort();
  }

  async #transact(ns: string, ops: CheckedOp[]): Promise<void> {
    const written: string[] = [];
    try {
      this.#checkOpen();
      if (ops.length === 0) return;
      const before = this.#current.namespaces.get(ns) ?? new Map<string, DirEntry>();
      // Apply the ops in order to a working copy; puts are sealed once, after the last op.
      const next = new Map<string, DirEntry | Extract<CheckedOp, { op: 'put' }>>(before);
      for (const op of ops) {
        if (op.op === 'delete') {
          if (!next.has(op.id)) throw new VosError(TeeResult.ERROR_ITEM_NOT_FOUND, 'no such sealed object');
          next.delete(op.id);
        } else {
          next.set(op.id, op);
        }
      }
      if (this.#current.counter >= U64_MAX) {
        throw new VosError(TeeResult.ERROR_OVERFLOW, 'sealed store state counter exhausted');
      }
      const nsKey = await this.#nsKey(ns);
      const entries = new Map<string, DirEntry>();
      for (const [id, v] of next) {
        if (!('op' in v)) {
          entries.set(id, v);
          continue;
        }
        const version = (before.get(id)?.version ?? 0) + 1;
        const sealed = sealObject(nsKey, { namespace: ns, id, version }, v.policy, v.data);
        v.data.fill(0);
        const file = `${randomBytes(16).toString('hex')}.obj`;
        written.push(file);
        await writeNewFile(join(this.#objDir, file), sealed);
        entries.set(id, { file, sha256: sha256hex(sealed), version });
      }
      if (written.length > 0) await fsyncDir(this.#objDir);
      const namespaces = new Map(this.#current.namespaces);
      if (entries.size > 0) namespaces.set(ns, entries);
      else namespaces.delete(ns);
      await this.#commit({ counter: this.#current.counter + 1n, namespaces }, written);
    } catch (e) {
      if (written.length > 0) await this.#unlinkAll(written);
      throw storageError(e, 'committing to the sealed store');
    } finally {
      wipeOps(ops);
    }
  }

  /** Writes the new directory to the free slot, then advances the anchor and collects garbage. */
  async #commit(m: Manifest, written: string[]): Promise<void> {
    const dirKey = this.#dirKey;
    if (!dirKey) throw new VosError(TeeResult.ERROR_BAD_STATE, 'sealed store is closed');
    const index = this.#nextSlot;
    const slot = SLOT_FILES[index];
    const dropped = this.#previous;
    let visible = false;
    try {
      const onVisible = () => {
        visible = true;
        this.#previous = this.#current;
        this.#current = m;
        this.#nextSlot = index === 0 ? 1 : 0;
      };
      if (this.#slotExists[index]) {
        // The free slot holds the previous state: once overwritten it is no fallback any more (a
        // failed write leaves it torn, and open() then finds the committed state in the other slot).
        await overwriteFile(join(this.#dir, slot), sealManifest(dirKey, m), onVisible);
      } else {
        // A slot's first write (twice per store): never a lone torn slot file.
        await createFileAtomically(this.#dir, slot, sealManifest(dirKey, m), onVisible);
        this.#slotExists[index] = true;
      }
    } catch (e) {
      if (!visible) throw e;
      written.length = 0; // committed: the new files are referenced now, keep them
      throw new VosError(TeeResult.ERROR_STORAGE_NOT_AVAILABLE, 'committed, but the directory fsync failed');
    }
    written.length = 0;
    await this.#deleteUnreferenced(manifestFiles(dropped));
    if (this.#root.anchor) {
      try {
        await this.#root.anchor.advance(m.counter);
      } catch {
        throw new VosError(
          TeeResult.ERROR_STORAGE_NOT_AVAILABLE,
          'committed, but the rollback anchor could not be advanced (it catches up at the next open)',
        );
      }
    }
  }

  #live(): Set<string> {
    const live = manifestFiles(this.#current);
    for (const f of manifestFiles(this.#previous)) live.add(f);
    return live;
  }

  async #deleteUnreferenced(candidates: Iterable<string>): Promise<void> {
    const live = this.#live();
    await this.#unlinkAll([...candidates].filter((f) => !live.has(f)));
  }

  async #unlinkAll(files: string[]): Promise<void> {
    await Promise.all(files.map((f) => unlink(join(this.#objDir, f)).catch(() => undefined)));
  }

  /** Removes temp files and object files that no valid slot references (interrupted commits). */
  async #collectGarbageAtOpen(): Promise<void> {
    try {
      const objects = await readdir(this.#objDir);
      const live = this.#live();
      await this.#unlinkAll(
        objects.filter((f) => f.endsWith(TMP_SUFFIX) || (OBJECT_FILE.test(f) && !live.has(f))),
      );
      const top = await readdir(this.#dir);
      await Promise.all(
        top
          .filter((f) => f.startsWith('.dir.') && f.endsWith(TMP_SUFFIX))
          .map((f) => unlink(join(this.#dir, f)).catch(() => undefined)),
      );
    } catch (e) {
      throw storageError(e, 'cleaning the sealed store');
    }
  }
}
