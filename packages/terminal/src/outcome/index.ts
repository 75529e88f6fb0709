/** outcome/: transaction outcomes (Contactless Book A §6) and field-55-style chip data. */
export { buildChipData, CHIP_DATA_TAGS } from './chip-data.js';
export type { CryptogramType, CvmPerformed, Outcome, OutcomeReason, OutcomeType } from './outcome.js';
