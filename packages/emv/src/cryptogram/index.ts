/**
 * cryptogram/: EMV Book 2 §8 application cryptograms (ARQC/TC/AAC, TDES and AES) and
 * authorisation response cryptograms (ARPC methods 1 and 2).
 */
// The node:crypto backend is this entry point's default (crypto/backend.ts); `@openvse/emv/pure`
// does not import it.
import '../crypto/node-default.js';

export { type GenerateAcInput, generateAc, type VerifyAcInput, verifyAc } from './application-cryptogram.js';
export { generateArpcMethod1, generateArpcMethod2, verifyArpcMethod1, verifyArpcMethod2 } from './arpc.js';
