/**
 * The TA manager of the secure world (OP-TEE core/kernel/tee_ta_manager.c + ree_fs_ta.c):
 * installs signed TA bundles, keeps them sealed so they reload after a restart, enforces the
 * version floor, runs one TaInstance per TA and maps session ids to instances.
 *
 * A TA's identity is (UUID, signer key id) (ta-package/identity.ts; docs/ta-packages.md "Identity
 * and updates"): its storage namespace (and so its persistent keys) is taStorageNamespace(uuid,
 * signer) and its floor is kept per (UUID, signer). Install (client.installTa), one at a time:
 *   verifyTaBundle against the pinned signer keys (signature, code hash, manifest schema)
 *   → a UUID already installed must come from the same signer          else TEE_ERROR_ACCESS_DENIED
 *   → VersionFloor.check for (UUID, signer)                             else TEE_ERROR_SECURITY
 *   → same version as installed: only the identical manifest and code (a no-op), else TEE_ERROR_SECURITY
 *   → trial load: the code is evaluated in a Compartment exactly as TaInstance.create does, with
 *     inert storage and no session, and must yield TA_InvokeCommandEntryPoint  else TEE_ERROR_BAD_FORMAT
 *   → only then: the bundle is sealed in namespace 'vos:system' as `ta-bundle:<uuid>`, and
 *     VersionFloor.raise (floor sealed as `ta-floor:<uuid>:<signer key id>`).
 * A refused bundle stores nothing and moves no floor. A running instance of an older version is
 * destroyed: its sessions get TEE_ERROR_TARGET_DEAD.
 * Boot: every sealed bundle is verified again (pinned keys, floor) before it can run.
 */
import type { JsonWebKey } from 'node:crypto';
import { TeeOrigin, TeeResult, VosError } from '@openvse/protocol';
import type { WireParam } from '../gp/params.js';
import type { StoreNamespace, TaContext } from '../syscalls/context.js';
import { bundleSignerKeyId, taStorageNamespace } from '../ta-package/identity.js';
import { encodeManifest, type TaManifest } from '../ta-package/manifest.js';
import { type VerifiedTa, verifyTaBundle } from '../ta-package/verify.js';
import { compareVersions } from '../ta-package/version.js';
import { VersionFloor } from '../ta-package/version-floor.js';
import type { CallOutcome, TaInstance } from './ta-instance.js';
import { loadTaRuntime } from './ta-runtime.js';

const BUNDLE_PREFIX = 'ta-bundle:';
const FLOOR_PREFIX = 'ta-floor:';

export type InstalledTa = {
  manifest: TaManifest;
  code: string;
  /** Key id (base64url RFC 7638 thumbprint) of the pinned key that signed the bundle. */
  signerKeyId: string;
  commandIds: ReadonlySet<number> | null;
};

function isInstance(v: TaInstance | CallOutcome): v is TaInstance {
  return typeof (v as TaInstance).invoke === 'function';
}

function entryOf(ta: VerifiedTa): InstalledTa {
  const { manifest, code, signerKeyId } = ta;
  return {
    manifest,
    code,
    signerKeyId,
    commandIds: manifest.commands ? new Set(Object.values(manifest.commands)) : null,
  };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

// The wrapper TaInstance.create puts around a TA's code (worker/ta-instance.ts WRAP_HEAD/WRAP_TAIL):
// the trial load must evaluate exactly what a session would.
const WRAP_HEAD = '(function () {\n';
const WRAP_TAIL = `
;return {
  create: typeof TA_CreateEntryPoint === 'function' ? TA_CreateEntryPoint : undefined,
  destroy: typeof TA_DestroyEntryPoint === 'function' ? TA_DestroyEntryPoint : undefined,
  open: typeof TA_OpenSessionEntryPoint === 'function' ? TA_OpenSessionEntryPoint : undefined,
  invoke: typeof TA_InvokeCommandEntryPoint === 'function' ? TA_InvokeCommandEntryPoint : undefined,
  close: typeof TA_CloseSessionEntryPoint === 'function' ? TA_CloseSessionEntryPoint : undefined,
};
})()`;

/** A promise that never settles: what the trial load's storage and attestation answer. */
function never(): Promise<never> {
  return new Promise<never>(() => {});
}

/** Storage for the trial load: nothing is read or written, no call ever completes. */
const INERT_STORAGE: StoreNamespace = {
  read: never,
  write: never,
  delete: never,
  list: never,
  transaction: never,
};

/**
 * The manager's services from the secure world. `namespace(name)` opens the sealed-store namespace
 * `name`; the manager asks only for `taStorageNamespace(uuid, signer)` of the TAs it runs.
 */
export type TaManagerServices = {
  system: StoreNamespace;
  pinnedTaKeys: string[];
  defaultTimeoutMs: number;
  namespace(name: string): StoreNamespace;
  stateCounter(): bigint;
  protectionLevel(): string;
  attest(ta: TaManifest, nonce: string, keys: Record<string, JsonWebKey>): Promise<string>;
  threatFlags(): string[];
  log(uuid: string, line: string): void;
};

export class TaManager {
  readonly #svc: TaManagerServices;
  readonly #floor: VersionFloor;
  readonly #installed = new Map<string, InstalledTa>();
  readonly #instances = new Map<string, TaInstance>();
  readonly #creating = new Map<string, Promise<TaInstance | CallOutcome>>();
  readonly #sessions = new Map<number, TaInstance>();
  /** Installs run one at a time: the owner, floor and same-version checks hold until the commit. */
  #installQueue: Promise<unknown> = Promise.resolve();
  #nextSid = 1;
  #handleSeed = 0x100;

  constructor(svc: TaManagerServices) {
    this.#svc = svc;
    const dec = new TextDecoder();
    const enc = new TextEncoder();
    // Floors are kept per identity: the key is `<uuid>:<signer key id>` (VersionFloor with a signer).
    this.#floor = new VersionFloor({
      get: async (key) => {
        const got = await svc.system.read(FLOOR_PREFIX + key);
        return got ? dec.decode(got.data) : undefined;
      },
      set: async (key, version) => {
        await svc.system.write(FLOOR_PREFIX + key, enc.encode(version));
      },
    });
  }

  /** Reloads every sealed bundle; returns the uuids refused (bad signature, below floor). */
  async loadAll(): Promise<string[]> {
    const refused: string[] = [];
    for (const id of await this.#svc.system.list()) {
      if (!id.startsWith(BUNDLE_PREFIX)) continue;
      const got = await this.#svc.system.read(id);
      if (!got) continue;
      try {
        const ta = verifyTaBundle(new Uint8Array(got.data), this.#svc.pinnedTaKeys);
        if (BUNDLE_PREFIX + ta.manifest.uuid !== id) throw new VosError(TeeResult.ERROR_SECURITY, 'misfiled');
        await this.#floor.check(ta.manifest, ta.signerKeyId);
        this.#installed.set(ta.manifest.uuid, entryOf(ta));
      } catch {
        refused.push(id.slice(BUNDLE_PREFIX.length));
      }
    }
    return refused;
  }

  /** Installs a signed bundle (see the module comment for the checks and their results). */
  install(bundle: Uint8Array): Promise<TaManifest> {
    const run = this.#installQueue.then(() => this.#install(bundle));
    this.#installQueue = run.catch(() => undefined);
    return run;
  }

  async #install(bundle: Uint8Array): Promise<TaManifest> {
    const ta = verifyTaBundle(bundle, this.#svc.pinnedTaKeys);
    const { manifest, signerKeyId } = ta;
    const uuid = manifest.uuid;

    // The installed bundle of this UUID (the sealed record, whether or not it loaded at boot).
    const stored = await this.#svc.system.read(BUNDLE_PREFIX + uuid);
    let installed: TaManifest | undefined;
    if (stored) {
      const record = new Uint8Array(stored.data);
      let owner: string;
      try {
        owner = bundleSignerKeyId(record);
      } catch {
        throw new VosError(TeeResult.ERROR_CORRUPT_OBJECT, `installed bundle of TA ${uuid} is unreadable`);
      }
      if (owner !== signerKeyId) {
        throw new VosError(
          TeeResult.ERROR_ACCESS_DENIED,
          `TA ${uuid} is installed from another signing key; a bundle for it must come from that key`,
        );
      }
      try {
        installed = verifyTaBundle(record, this.#svc.pinnedTaKeys).manifest;
      } catch {
        installed = undefined; // an installed bundle that no longer verifies: the floor alone guards
      }
    }

    await this.#floor.check(manifest, signerKeyId);
    if (installed) {
      const order = compareVersions(manifest.version, installed.version);
      if (order < 0) {
        throw new VosError(
          TeeResult.ERROR_SECURITY,
          `TA ${uuid} version ${manifest.version} is older than the installed ${installed.version}`,
        );
      }
      if (order === 0) {
        if (!sameBytes(encodeManifest(manifest), encodeManifest(installed))) {
          throw new VosError(
            TeeResult.ERROR_SECURITY,
            `TA ${uuid} version ${manifest.version} is installed with other code or manifest; a change needs a higher version`,
          );
        }
        // The identical bundle again, and it is the one running: nothing changes (the floor catches
        // up if a crash left it behind). Otherwise it goes through the trial load and is re-sealed.
        const live = this.#installed.get(uuid);
        if (
          live &&
          live.signerKeyId === signerKeyId &&
          sameBytes(encodeManifest(live.manifest), encodeManifest(manifest))
        ) {
          await this.#floor.raise(manifest, signerKeyId);
          return live.manifest;
        }
      }
    }

    await this.#trialLoad(ta);

    await this.#svc.system.write(BUNDLE_PREFIX + uuid, bundle);
    await this.#floor.raise(manifest, signerKeyId);
    this.#installed.set(uuid, entryOf(ta));
    const running = this.#instances.get(uuid);
    if (running) {
      this.#instances.delete(uuid);
      await running.destroy();
    }
    return manifest;
  }

  /**
   * Evaluates the TA's code as TaInstance.create does (a fresh Compartment whose globals are the
   * syscalls of its capabilities, the same wrapper) and requires TA_InvokeCommandEntryPoint; it
   * runs no entry point. Storage and attestation are inert (their promises never settle), so the
   * TA's top-level code can store nothing; the syscalls are revoked once evaluation returns and the
   * trial's key table is closed. Throws TEE_ERROR_BAD_FORMAT when SES refuses the source (`import(`,
   * HTML comments), when the code throws, or when the entry point is missing.
   */
  async #trialLoad(ta: VerifiedTa): Promise<void> {
    const m = ta.manifest;
    const uuid = m.uuid;
    await loadTaRuntime();
    const [{ buildEndowments }, { KeyTable }] = await Promise.all([
      import('../syscalls/index.js'),
      import('../keys/key-table.js'),
    ]);
    const svc = this.#svc;
    const keys = new KeyTable(1);
    let ended = false;
    const ctx: TaContext = {
      uuid,
      name: m.name,
      version: m.version,
      codeSha256: m.codeSha256,
      capabilities: new Set(m.capabilities),
      keys,
      storage: INERT_STORAGE,
      stateCounter: () => svc.stateCounter(),
      protectionLevel: () => svc.protectionLevel(),
      attest: never,
      threatFlags: () => svc.threatFlags(),
      log: (line) => svc.log(uuid, `(install) ${line}`),
      revoked: () => ended,
    };
    let reason: string | null = null;
    try {
      const compartment = new Compartment({
        __options__: true,
        name: `ta:${uuid}`,
        globals: buildEndowments(ctx),
      });
      const got = compartment.evaluate(WRAP_HEAD + ta.code + WRAP_TAIL) as Record<string, unknown>;
      const invoke = Object.getOwnPropertyDescriptor(got, 'invoke');
      if (!invoke || typeof invoke.value !== 'function') reason = 'no TA_InvokeCommandEntryPoint';
    } catch (e) {
      reason = `evaluation failed: ${e instanceof Error ? e.message.slice(0, 200) : 'error'}`;
    } finally {
      ended = true;
      keys.close();
    }
    if (reason !== null) {
      // The reason stays in the worker's log, as for a TA that fails to load at open.
      svc.log(uuid, `refused at install: TA code does not load (${reason})`);
      throw new VosError(TeeResult.ERROR_BAD_FORMAT, `TA ${uuid}: the code does not load in its compartment`);
    }
  }

  installed(): InstalledTa[] {
    return [...this.#installed.values()];
  }

  manifest(uuid: string): TaManifest | undefined {
    return this.#installed.get(uuid)?.manifest;
  }

  get openSessions(): number {
    return this.#sessions.size;
  }

  async #instance(uuid: string): Promise<TaInstance | CallOutcome> {
    const live = this.#instances.get(uuid);
    if (live && !live.destroyed) return live;
    const pending = this.#creating.get(uuid);
    if (pending) return pending;
    const ta = this.#installed.get(uuid);
    if (!ta) return { r: TeeResult.ERROR_ITEM_NOT_FOUND, o: TeeOrigin.TEE };
    const m = ta.manifest;
    const svc = this.#svc;
    const ctx: Omit<TaContext, 'keys' | 'revoked'> = {
      uuid,
      name: m.name,
      version: m.version,
      codeSha256: m.codeSha256,
      capabilities: new Set(m.capabilities),
      storage: svc.namespace(taStorageNamespace(uuid, ta.signerKeyId)),
      stateCounter: () => svc.stateCounter(),
      protectionLevel: () => svc.protectionLevel(),
      attest: (nonce, keys) => svc.attest(m, nonce, keys),
      threatFlags: () => svc.threatFlags(),
      log: (line) => svc.log(uuid, line),
    };
    // Handles start at a different value per instance, so a stale handle rarely aliases a new key.
    this.#handleSeed = (this.#handleSeed + 0x10000) >>> 0;
    const seed = this.#handleSeed;
    const timeoutMs = m.timeoutMs ?? svc.defaultTimeoutMs;
    const creating = loadTaRuntime().then((rt) => rt.TaInstance.create(ctx, ta.code, seed, timeoutMs));
    this.#creating.set(uuid, creating);
    try {
      const got = await creating;
      if (isInstance(got)) this.#instances.set(uuid, got);
      return got;
    } finally {
      this.#creating.delete(uuid);
    }
  }

  async open(
    uuid: string,
    retry = true,
  ): Promise<{ r: number; o: number; sid?: number; timeoutMs?: number }> {
    const inst = await this.#instance(uuid);
    if (!isInstance(inst)) return inst;
    const sid = this.#nextSid++;
    const out = await inst.open(sid);
    // The instance ended (its last session closed) while this open waited in its queue.
    if (out.r === TeeResult.ERROR_TARGET_DEAD && inst.destroyed && retry) return this.open(uuid, false);
    if (out.r !== TeeResult.SUCCESS) {
      if (inst.sessionCount === 0) {
        this.#instances.delete(uuid);
        await inst.destroy();
      }
      return out;
    }
    this.#sessions.set(sid, inst);
    const timeoutMs = this.#installed.get(uuid)?.manifest.timeoutMs ?? this.#svc.defaultTimeoutMs;
    return { r: TeeResult.SUCCESS, o: TeeOrigin.TEE, sid, timeoutMs };
  }

  invoke(sid: number, cmd: number, p: WireParam[] | null): Promise<CallOutcome> | CallOutcome {
    const inst = this.#sessions.get(sid);
    if (!inst) return { r: TeeResult.ERROR_BAD_STATE, o: TeeOrigin.TEE };
    if (inst.destroyed) return { r: TeeResult.ERROR_TARGET_DEAD, o: TeeOrigin.TEE };
    const ids = this.#installed.get(inst.uuid)?.commandIds;
    if (ids && !ids.has(cmd)) {
      return { r: TeeResult.ERROR_NOT_SUPPORTED, o: TeeOrigin.TEE };
    }
    return inst.invoke(sid, cmd, p);
  }

  async close(sid: number): Promise<CallOutcome> {
    const inst = this.#sessions.get(sid);
    if (!inst) return { r: TeeResult.ERROR_BAD_STATE, o: TeeOrigin.TEE };
    this.#sessions.delete(sid);
    if (inst.destroyed) return { r: TeeResult.SUCCESS, o: TeeOrigin.TEE };
    const out = await inst.close(sid);
    if (inst.destroyed && this.#instances.get(inst.uuid) === inst) this.#instances.delete(inst.uuid);
    return out;
  }

  async shutdown(): Promise<void> {
    for (const inst of this.#instances.values()) await inst.destroy();
    this.#instances.clear();
    this.#sessions.clear();
  }
}
