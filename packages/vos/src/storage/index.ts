/**
 * V-OS sealed storage (docs/sealed-storage.md; OP-TEE REE FS; GP TEE Internal Core API §5).
 */
export { DIRECTORY_KEY_LABEL, SealedStore } from './sealed-store.js';
export type { ObjectPolicy, SealedNamespace, SealedObject, TransactionOp } from './types.js';
export { MAX_ID_BYTES, MAX_OBJECT_BYTES, MAX_TRANSACTION_OPS } from './validate.js';
