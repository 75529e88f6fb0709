/**
 * @openvse/emv/codec — encodings without cryptography and without Node (no Buffer, no `node:`
 * module): hex, base64url, UTF-8, BCD (format n), track 2, Luhn and byte helpers. Safe to bundle
 * into a V-OS Trusted Application.
 */
export { base64urlToBytes, bytesToBase64url } from './base64url.js';
export { amountToN12, bcdToDigits, bcdToNumber, digitsToBcd, numberToBcd } from './bcd.js';
export { concatBytes, equalBytes, latin1Bytes, readU16, u16Bytes, zeroize } from './bytes.js';
export { bytesToHex, hexToBytes, isHex, toBytes } from './hex.js';
export { isLuhnValid, luhnCheckDigit } from './luhn.js';
export { encodeTrack2, parsePanCn, parseTrack2, type Track2 } from './track2.js';
export { utf8Decode, utf8Encode } from './utf8.js';
