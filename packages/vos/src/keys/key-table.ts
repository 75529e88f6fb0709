/**
 * The per-TA table of key handles (OP-TEE keeps a per-context object list, `utc->objects`, and
 * checks every handle against it: tee_obj_get). A handle is a u32 that means something only in
 * the table of the TA that received it, so one TA can never name another TA's key. Closing the
 * table (TA instance destroyed) zeroes every key it holds.
 */
import { TeeResult } from '@openvse/protocol';
import { TeeError } from '../worker/tee-error.js';
import type { KeyObj } from './key-object.js';

export const MAX_KEYS_PER_TA = 4096;

export class KeyTable {
  readonly #keys = new Map<number, KeyObj>();
  #next: number;

  constructor(firstHandle: number) {
    this.#next = firstHandle >>> 0 || 1;
  }

  add(key: KeyObj): number {
    if (this.#keys.size >= MAX_KEYS_PER_TA) {
      key.wipe();
      throw new TeeError(TeeResult.ERROR_OUT_OF_MEMORY, 'too many key objects');
    }
    let h = this.#next;
    while (h === 0 || this.#keys.has(h)) h = (h + 1) >>> 0;
    this.#next = (h + 1) >>> 0;
    this.#keys.set(h, key);
    return h;
  }

  get(handle: unknown): KeyObj {
    const k = typeof handle === 'number' ? this.#keys.get(handle) : undefined;
    if (!k || k.wiped) throw new TeeError(TeeResult.ERROR_ITEM_NOT_FOUND, 'no such key handle');
    return k;
  }

  destroy(handle: unknown): void {
    const k = this.get(handle);
    this.#keys.delete(handle as number);
    k.wipe();
  }

  /** Every handle bound to a persistent id (used when that persistent object is deleted). */
  dropPersistent(id: string): void {
    for (const [h, k] of this.#keys) {
      if (k.persistentId === id) {
        this.#keys.delete(h);
        k.wipe();
      }
    }
  }

  get size(): number {
    return this.#keys.size;
  }

  close(): void {
    for (const k of this.#keys.values()) k.wipe();
    this.#keys.clear();
  }
}
