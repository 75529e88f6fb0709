/**
 * TA anti-rollback: the lowest version V-OS will still load, per TA UUID (OP-TEE `ta_ver.db`,
 * `ree_fs_ta.c: check_update_version`). A TA older than its floor is refused with
 * TEE_ERROR_SECURITY; installing a TA raises the floor to its version, never lowers it.
 * The floor is persisted through a small injected store (the runtime backs it with sealed storage);
 * like OP-TEE without RPMB, it only stops rollback as well as that store resists copy-back.
 */
import { isTaUuid, isTaVersion, TeeResult, VosError } from '@openvse/protocol';
import type { TaManifest } from './manifest.js';
import { compareVersions } from './version.js';

export type VersionFloorStore = {
  get(uuid: string): Promise<string | undefined>;
  set(uuid: string, version: string): Promise<void>;
};

export class VersionFloor {
  readonly #store: VersionFloorStore;
  /** Serialises check/raise so two concurrent raises cannot interleave and lower the floor. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(store: VersionFloorStore) {
    if (typeof store?.get !== 'function' || typeof store?.set !== 'function') {
      throw new VosError(TeeResult.ERROR_BAD_PARAMETERS, 'VersionFloor needs a store with get and set');
    }
    this.#store = store;
  }

  /** Throws TEE_ERROR_SECURITY when `manifest.version` is lower than the stored floor for its UUID. */
  async check(manifest: TaManifest): Promise<void> {
    const { uuid, version } = identify(manifest);
    return this.#serial(async () => {
      const floor = await this.#floor(uuid);
      if (floor !== undefined && compareVersions(version, floor) < 0) {
        throw new VosError(
          TeeResult.ERROR_SECURITY,
          `TA ${uuid} version ${version} is older than the installed floor ${floor}`,
        );
      }
    });
  }

  /** Raises the floor for the manifest's UUID to its version (no-op when already at or above). */
  async raise(manifest: TaManifest): Promise<void> {
    const { uuid, version } = identify(manifest);
    return this.#serial(async () => {
      const floor = await this.#floor(uuid);
      if (floor === undefined || compareVersions(version, floor) > 0) await this.#store.set(uuid, version);
    });
  }

  async #floor(uuid: string): Promise<string | undefined> {
    const floor = await this.#store.get(uuid);
    if (floor === undefined) return undefined;
    // A floor that cannot be read must not read as "no floor": fail closed.
    if (!isTaVersion(floor))
      throw new VosError(TeeResult.ERROR_CORRUPT_OBJECT, `version floor for TA ${uuid} is corrupt`);
    return floor;
  }

  #serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

function identify(manifest: TaManifest): { uuid: string; version: string } {
  if (
    typeof manifest !== 'object' ||
    manifest === null ||
    !isTaUuid(manifest.uuid) ||
    !isTaVersion(manifest.version)
  ) {
    throw new VosError(
      TeeResult.ERROR_BAD_PARAMETERS,
      'manifest must carry a lowercase UUID and a MAJOR.MINOR.PATCH version',
    );
  }
  return { uuid: manifest.uuid, version: manifest.version };
}
