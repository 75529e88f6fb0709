/**
 * kernel2/: EMV Contactless Book C-2 (Mastercard M/Chip) reader kernel, EMV mode without CDA.
 * The kernel itself runs through runTransaction; its decision rules are exported for reuse and tests.
 */
export { AC_P1, type ActionCodes, cryptogramAllowed, terminalActionAnalysis } from './action-analysis.js';
export { AIP_ON_DEVICE_CVM, selectKernel2Cvm } from './cvm-selection.js';
export { posciiAsksSeePhone } from './poscii.js';
export { checkApplicationDates } from './processing-restrictions.js';
