/**
 * The TA manager of the secure world (OP-TEE core/kernel/tee_ta_manager.c + ree_fs_ta.c):
 * installs signed TA bundles, keeps them sealed so they reload after a restart, enforces the
 * per-UUID version floor, runs one TaInstance per TA and maps session ids to instances.
 *
 * Install (client.installTa): verifyTaBundle against the pinned signer keys (signature, code
 * hash, manifest schema) → VersionFloor.check → the bundle is sealed in namespace 'vos:system'
 * as `ta-bundle:<uuid>` → VersionFloor.raise (floor kept sealed as `ta-floor:<uuid>`). A running
 * instance of an older version is destroyed: its sessions get TEE_ERROR_TARGET_DEAD.
 * Boot: every sealed bundle is verified again (pinned keys, floor) before it can run.
 */
import type { JsonWebKey } from 'node:crypto';
import { TeeOrigin, TeeResult } from '@openvse/protocol';
import type { WireParam } from '../gp/params.js';
import type { StoreNamespace, TaContext } from '../syscalls/context.js';
import type { TaManifest } from '../ta-package/manifest.js';
import { verifyTaBundle } from '../ta-package/verify.js';
import { VersionFloor } from '../ta-package/version-floor.js';
import type { CallOutcome, TaInstance } from './ta-instance.js';
import { loadTaRuntime } from './ta-runtime.js';

const BUNDLE_PREFIX = 'ta-bundle:';
const FLOOR_PREFIX = 'ta-floor:';

export type InstalledTa = { manifest: TaManifest; code: string; commandIds: ReadonlySet<number> | null };

function isInstance(v: TaInstance | CallOutcome): v is TaInstance {
  return typeof (v as TaInstance).invoke === 'function';
}

function entryOf(manifest: TaManifest, code: string): InstalledTa {
  return { manifest, code, commandIds: manifest.commands ? new Set(Object.values(manifest.commands)) : null };
}

export type TaManagerServices = {
  system: StoreNamespace;
  pinnedTaKeys: string[];
  defaultTimeoutMs: number;
  namespace(uuid: string): StoreNamespace;
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
  #nextSid = 1;
  #handleSeed = 0x100;

  constructor(svc: TaManagerServices) {
    this.#svc = svc;
    const dec = new TextDecoder();
    const enc = new TextEncoder();
    this.#floor = new VersionFloor({
      get: async (uuid) => {
        const got = await svc.system.read(FLOOR_PREFIX + uuid);
        return got ? dec.decode(got.data) : undefined;
      },
      set: async (uuid, version) => {
        await svc.system.write(FLOOR_PREFIX + uuid, enc.encode(version));
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
        await this.#floor.check(ta.manifest);
        this.#installed.set(ta.manifest.uuid, entryOf(ta.manifest, ta.code));
      } catch {
        refused.push(id.slice(BUNDLE_PREFIX.length));
      }
    }
    return refused;
  }

  async install(bundle: Uint8Array): Promise<TaManifest> {
    const ta = verifyTaBundle(bundle, this.#svc.pinnedTaKeys);
    await this.#floor.check(ta.manifest);
    const uuid = ta.manifest.uuid;
    await this.#svc.system.write(BUNDLE_PREFIX + uuid, bundle);
    await this.#floor.raise(ta.manifest);
    this.#installed.set(uuid, entryOf(ta.manifest, ta.code));
    const running = this.#instances.get(uuid);
    if (running) {
      this.#instances.delete(uuid);
      await running.destroy();
    }
    return ta.manifest;
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
      storage: svc.namespace(uuid),
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
