/**
 * Shared test fixtures for sealed storage and roots of trust: temp folders, a VosError assertion,
 * and a key-file-backed store.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { teeResultName, VosError } from '@openvse/protocol';
import { openKeyFileRoot } from '../../src/root-of-trust/index.js';
import type { RootOfTrust } from '../../src/root-of-trust/types.js';
import { SealedStore } from '../../src/storage/index.js';

export async function tempDir(
  prefix = 'openvse-store-',
): Promise<{ path: string; cleanup(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

/** Asserts that `fn` rejects (or throws) a VosError with `result`, optionally matching `message`. */
export async function rejectsVos(fn: () => unknown, result: number, message?: RegExp): Promise<VosError> {
  let caught: unknown;
  try {
    await fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof VosError, `expected VosError ${teeResultName(result)}, got ${String(caught)}`);
  assert.equal(caught.code, teeResultName(result), `wrong code: ${caught.message}`);
  if (message) assert.match(caught.message, message);
  return caught;
}

export const DEVICE = 'test-device-identity-1';

export async function keyFileStore(
  dir: string,
  deviceIdentity = DEVICE,
): Promise<{ root: RootOfTrust; store: SealedStore; close(): Promise<void> }> {
  const root = await openKeyFileRoot({ dir, deviceIdentity });
  try {
    const store = await SealedStore.open({ dir, root });
    return {
      root,
      store,
      close: async () => {
        await store.close();
        await root.close();
      },
    };
  } catch (e) {
    await root.close();
    throw e;
  }
}

export const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
export const text = (b: Uint8Array | undefined): string => new TextDecoder().decode(b);
