/**
 * Application cryptograms (ARQC / TC / AAC), EMV Book 2 §8.1 and Annex A1.2.
 *
 * TDES: AC = ISO/IEC 9797-1 MAC algorithm 3 (16-byte key, padding method 1 or 2 as the CVN
 * says) over the data the CVN selects: 8 bytes. AES: AC = leftmost 8 bytes of AES-CMAC
 * (ISO/IEC 9797-1 algorithm 5) over the unpadded data; CMAC pads internally.
 * Verification recomputes and compares in constant time.
 */

import { equalBytes, zeroize } from '../codec/bytes.js';
import { toBytes } from '../codec/hex.js';
import { aesCmac } from '../crypto/cmac.js';
import { macIso9797Alg3 } from '../crypto/mac-iso9797.js';
import type { PaddingMethod } from '../crypto/padding.js';
import { EmvError, EmvErrorCode } from '../errors.js';

type Bytes = Uint8Array | string;

/**
 * Input of {@link generateAc}: the AC key and the unpadded data the CVN selects, as bytes or hex.
 * TDES (the default) takes a 16-byte key K_L ‖ K_R and requires `paddingMethod` (EMV Book 2
 * §8.1.2, Annex A1.2.1); AES takes a 16-, 24- or 32-byte key and ignores `paddingMethod`, since
 * CMAC pads its input itself (Annex A1.2.2).
 */
export type GenerateAcInput =
  | { key: Bytes; data: Bytes; paddingMethod: PaddingMethod; algorithm?: 'tdes' }
  | { key: Bytes; data: Bytes; paddingMethod?: PaddingMethod; algorithm: 'aes' };

/** Input of {@link verifyAc}: a {@link GenerateAcInput} and the received cryptogram `ac` (tag 9F26). */
export type VerifyAcInput = GenerateAcInput & { ac: Bytes };

/** Computes the 8-byte application cryptogram. */
export function generateAc(input: GenerateAcInput): Uint8Array {
  const algorithm = input.algorithm ?? 'tdes';
  if (algorithm === 'tdes')
    return macIso9797Alg3(input.key, input.data, input.paddingMethod as PaddingMethod);
  if (algorithm === 'aes') {
    const mac = aesCmac(input.key, input.data);
    const ac = mac.slice(0, 8);
    zeroize(mac);
    return ac;
  }
  throw new EmvError(EmvErrorCode.BAD_ARGUMENT, "algorithm: expected 'tdes' or 'aes'");
}

/** Recomputes the cryptogram and compares it with `ac` in constant time. */
export function verifyAc(input: VerifyAcInput): boolean {
  const given = toBytes(input.ac, 'ac');
  const expected = generateAc(input);
  try {
    return equalBytes(expected, given);
  } finally {
    zeroize(expected);
  }
}
