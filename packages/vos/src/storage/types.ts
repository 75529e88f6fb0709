/**
 * Public types of V-OS sealed storage, shaped after GP TEE Internal Core API v1.3 §5 (persistent
 * objects: an object id within a per-TA storage space, data, and key usage/extractability).
 */

/** Key policy stored with an object and authenticated with it (closes the SoftHSM flag-flip hole). */
export type ObjectPolicy = { usage?: number; extractable?: boolean; kind?: string };

export interface SealedObject {
  data: Uint8Array;
  policy: ObjectPolicy;
  /** 1 at creation, +1 per committed change of this object (restarts at 1 after a delete). */
  version: number;
}

export type TransactionOp =
  | { op: 'put'; id: string; data: Uint8Array; policy?: ObjectPolicy }
  | { op: 'delete'; id: string };

export interface SealedNamespace {
  /** The object, or null when the namespace has no object with this id. */
  read(id: string): Promise<SealedObject | null>;
  write(id: string, data: Uint8Array, policy?: ObjectPolicy): Promise<void>;
  /** TEE_ERROR_ITEM_NOT_FOUND when absent. */
  delete(id: string): Promise<void>;
  /** Object ids of this namespace, sorted. */
  list(): Promise<string[]>;
  /** Applies all ops or none (one directory commit). */
  transaction(ops: TransactionOp[]): Promise<void>;
}
