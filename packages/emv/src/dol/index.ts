/**
 * Data Object Lists (EMV Book 3 §5.4): parse and encode DOLs, build the data they ask for,
 * split that data back into elements.
 */
export { buildDolData, fitDolValue } from './build.js';
export { dolLength, encodeDol, MAX_DOL_ENTRY_LENGTH, parseDol } from './parse.js';
export { splitDolData } from './split.js';
export type { BuildDolOptions, DolEntry, DolSource } from './types.js';
