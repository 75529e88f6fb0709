/** tvr/: Terminal Verification Results and CVM Results (EMV Book 3 Annex C4, C5). */
export { cvmResults } from './cvm-results.js';
export { TVR, Tvr, type TvrBit } from './tvr.js';
