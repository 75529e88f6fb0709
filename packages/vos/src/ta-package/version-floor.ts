/**
 * TA anti-rollback: the lowest version V-OS will still load, per TA identity (OP-TEE `ta_ver.db`,
 * `ree_fs_ta.c: check_update_version`). A TA older than its floor is refused with
 * TEE_ERROR_SECURITY; installing a TA raises the floor to its version, never lowers it.
 * A floor belongs to (UUID, signer key id) when the caller names the signer (the TA manager always
 * does: docs/ta-packages.md "Identity and updates"), to the UUID alone otherwise.
 * The floor is persisted through a small injected store (the runtime backs it with sealed storage);
 * like OP-TEE without RPMB, it only stops rollback as well as that store resists copy-back.
 */
import { isTaUuid, isTaVersion, TeeResult, VosError } from '@openvse/protocol';
import { taIdentityKey } from './identity.js';
import type { TaManifest } from './manifest.js';
import { compareVersions } from './version.js';

/**
 * Where a {@link VersionFloor} keeps its floors. `key` is the TA's UUID, or `<uuid>:<signerKeyId>`
 * when the floor belongs to (UUID, signer).
 */
export type VersionFloorStore = {
  get(key: string): Promise<string | undefined>;
  set(key: string, version: string): Promise<void>;
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

  /**
   * Throws TEE_ERROR_SECURITY when `manifest.version` is lower than the stored floor of its UUID, or
   * of (UUID, `signerKeyId`) when a signer is named.
   */
  async check(manifest: TaManifest, signerKeyId?: string): Promise<void> {
    const { uuid, version, key } = identify(manifest, signerKeyId);
    return this.#serial(async () => {
      const floor = await this.#floor(key, uuid);
      if (floor !== undefined && compareVersions(version, floor) < 0) {
        throw new VosError(
          TeeResult.ERROR_SECURITY,
          `TA ${uuid} version ${version} is older than the installed floor ${floor}`,
        );
      }
    });
  }

  /**
   * Raises the floor of the manifest's UUID, or of (UUID, `signerKeyId`), to its version (no-op
   * when already at or above).
   */
  async raise(manifest: TaManifest, signerKeyId?: string): Promise<void> {
    const { uuid, version, key } = identify(manifest, signerKeyId);
    return this.#serial(async () => {
      const floor = await this.#floor(key, uuid);
      if (floor === undefined || compareVersions(version, floor) > 0) await this.#store.set(key, version);
    });
  }

  async #floor(key: string, uuid: string): Promise<string | undefined> {
    const floor = await this.#store.get(key);
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

function identify(
  manifest: TaManifest,
  signerKeyId?: string,
): { uuid: string; version: string; key: string } {
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
  const { uuid, version } = manifest;
  return { uuid, version, key: signerKeyId === undefined ? uuid : taIdentityKey(uuid, signerKeyId) };
}
