/**
 * What the secure-world core hands the syscall builders for one TA instance (the V-OS analogue of
 * OP-TEE's `struct user_ta_ctx`: identity, capabilities, object list, storage namespace).
 * Nothing here is ever given to a TA directly; syscalls close over it.
 */
import type { JsonWebKey } from 'node:crypto';
import type { KeyTable } from '../keys/key-table.js';

/** A per-TA namespace of the sealed store (packages/vos/src/storage). */
export type StoreNamespace = {
  read(id: string): Promise<{ data: Uint8Array; policy?: unknown; version?: number | bigint } | null>;
  write(id: string, data: Uint8Array, policy?: unknown): Promise<unknown>;
  delete(id: string): Promise<unknown>;
  list(): Promise<string[]>;
  transaction(ops: unknown[]): Promise<unknown>;
};

export type TaContext = {
  uuid: string;
  name: string;
  version: string;
  codeSha256: string;
  capabilities: ReadonlySet<string>;
  keys: KeyTable;
  storage: StoreNamespace;
  stateCounter(): bigint;
  protectionLevel(): string;
  /** Signs an attestation JWS about this TA with the platform identity (capability 'attest'). */
  attest(nonce: string, taPublicKeys: Record<string, JsonWebKey>): Promise<string>;
  /** The threat flags V-Guard reported to V-OS (they only accumulate until V-OS restarts). */
  threatFlags(): string[];
  log(line: string): void;
  /** True once the TA instance was ended for misbehaving: every syscall then fails. */
  revoked(): boolean;
};
