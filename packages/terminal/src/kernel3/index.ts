/**
 * kernel3/: EMV Contactless Book C-3 (Visa qVSDC) reader kernel. The kernel itself runs through
 * runTransaction; its qualifiers and reader CVM rule are exported for reuse and tests.
 */
export { CTQ, TTQ, transactionTtq } from './qualifiers.js';
export { type ReaderCvmDecision, readerCvm } from './reader-cvm.js';
