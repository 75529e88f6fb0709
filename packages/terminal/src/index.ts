/**
 * @openvse/terminal — a POS terminal for EMV contactless: Entry Point (EMV Contactless Book B),
 * Kernel 2 / M/Chip (Book C-2) and Kernel 3 / qVSDC (Book C-3) reader kernels, outcomes
 * (Book A), an APDU trace, and card transports (in process, PC/SC through pcsc-lite).
 */
export * from './card-data/index.js';
export * from './config/index.js';
export * from './entry-point/index.js';
export * from './errors.js';
export * from './kernel2/index.js';
export * from './kernel3/index.js';
export * from './outcome/index.js';
export * from './trace/index.js';
export { runTransaction } from './transaction.js';
export * from './transport/index.js';
export * from './tvr/index.js';
