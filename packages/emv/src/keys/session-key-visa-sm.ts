/**
 * Visa (VIS) secure-messaging session key (docs/emv-cryptography.md §2.2, pyemv `derive_visa_sm_sk`):
 * SK_L = MK_L ⊕ (00×6 ‖ ATC), SK_R = MK_R ⊕ (00×6 ‖ (ATC ⊕ FFFF)), then odd parity.
 * Used for issuer script MAC/encryption keys with Visa CVN 10/18/'22'.
 */

import { toBytes } from '../codec/hex.js';
import { adjustOddParityInPlace } from '../crypto/parity.js';
import { EmvError, EmvErrorCode } from '../errors.js';
import { normalizeAtc } from './atc.js';

type Bytes = Uint8Array | string;

/**
 * Visa secure-messaging session key (docs/emv-cryptography.md §2.2): the 16-byte MK with the ATC
 * XORed into bytes 6–7 and ATC ⊕ FFFF into bytes 14–15, then odd parity unless `parity: 'none'`.
 * Throws ERR_ATC_INVALID for an ATC that is not 2 bytes or 0–65535, ERR_KEY_LENGTH for another MK.
 */
export function deriveVisaSmSessionKey(
  mk: Bytes,
  atc: Bytes | number,
  options: { parity?: 'odd' | 'none' } = {},
): Uint8Array {
  const a = normalizeAtc(atc);
  const sk = toBytes(mk, 'mk');
  if (sk.length !== 16) {
    sk.fill(0);
    throw new EmvError(EmvErrorCode.KEY_LENGTH, `mk: expected a 16-byte key, got ${sk.length}`);
  }
  sk[6]! ^= a[0]!;
  sk[7]! ^= a[1]!;
  sk[14]! ^= a[0]! ^ 0xff;
  sk[15]! ^= a[1]! ^ 0xff;
  return options.parity === 'none' ? sk : adjustOddParityInPlace(sk);
}
