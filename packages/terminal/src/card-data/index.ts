/** card-data/: formats of card data objects (EMV Book 3 Annex A, §10.2 AFL; ISO/IEC 7813 track 2). */
export { type AflEntry, parseAfl } from './afl.js';
export { parsePan, parseTrack2, type Track2 } from './track2.js';
