/**
 * card-data/: what the terminal keeps of the card's answers (EMV Book 3 §10.2 AFL, READ RECORD,
 * the response templates 77/80 of Book 3 §6.5). Track 2 and PAN formats are @openvse/emv's codec.
 */
export { type AflEntry, parseAfl } from './afl.js';
