/**
 * @openvse/emv — the EMV library shared by the CBP TA, the SDK, the terminal and the server.
 *
 * Folders follow the specification areas: tlv/ (Book 3 Annex B), dol/ (Book 3 §5.4),
 * apdu/ (ISO/IEC 7816-4, Book 3 §6), crypto/ (block ciphers, ISO/IEC 9797-1, CMAC),
 * keys/ (Book 2 Annex A1.3–A1.4 key derivation), cryptogram/ (Book 2 §8: AC, ARPC),
 * cvn/ (cryptogram version profiles).
 */

export * from './apdu/index.js';
export * from './conformance/index.js';
export * from './crypto/index.js';
export * from './cryptogram/index.js';
export * from './cvn/index.js';
export * from './dol/index.js';
export * from './errors.js';
export * from './hex.js';
export * from './keys/index.js';
export * from './tlv/index.js';
