/**
 * crypto/: block ciphers and MACs for EMV Book 2 (Annex A1.1–A1.2, §8): DES/TDES and AES in
 * ECB/CBC, ISO/IEC 9797-1 padding and MAC algorithms 1 and 3, AES-CMAC (RFC 4493, NIST SP
 * 800-38B), key check values and DES parity, on the crypto backend in use (backend.ts; this entry
 * point installs node:crypto as the default), and the backend interface itself.
 */
// The node:crypto backend is this entry point's default (crypto/backend.ts); `@openvse/emv/pure`
// does not import it.
import './node-default.js';

export { AES_BLOCK_SIZE, aesCbcDecrypt, aesCbcEncrypt, aesEcbDecrypt, aesEcbEncrypt } from './aes.js';
export {
  type BlockCipherAlgorithm,
  type BlockCipherMode,
  type BlockCipherRequest,
  type EmvCryptoBackend,
  getCryptoBackend,
  setCryptoBackend,
  withCryptoBackend,
} from './backend.js';
export { aesCmac } from './cmac.js';
export {
  DES_BLOCK_SIZE,
  desCbcDecrypt,
  desCbcEncrypt,
  desEcbDecrypt,
  desEcbEncrypt,
  tdesCbcDecrypt,
  tdesCbcEncrypt,
  tdesEcbDecrypt,
  tdesEcbEncrypt,
} from './des.js';
export { type KeyCheckValueOptions, keyCheckValue } from './kcv.js';
export { macIso9797Alg1, macIso9797Alg3 } from './mac-iso9797.js';
export { nodeCryptoBackend } from './node-backend.js';
export {
  assertPaddingMethod,
  type PaddingMethod,
  padIso9797,
  padIso9797M1,
  padIso9797M2,
  unpadIso9797M2,
} from './padding.js';
export { adjustOddParity, hasOddParity } from './parity.js';
