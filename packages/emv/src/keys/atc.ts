/**
 * Application Transaction Counter (tag 9F36, 2 bytes, EMV Book 3 Annex A) as an input to session
 * key derivation (EMV Book 2 Annex A1.3). Accepted as 2 bytes, 4 hex digits or an integer
 * 0–65535; anything else is ERR_ATC_INVALID.
 */

import { toBytes } from '../codec/hex.js';
import { EmvError, EmvErrorCode } from '../errors.js';

/** Returns the ATC as a fresh 2-byte array. */
export function normalizeAtc(atc: Uint8Array | string | number): Uint8Array {
  if (typeof atc === 'number') {
    if (!Number.isInteger(atc) || atc < 0 || atc > 0xffff)
      throw new EmvError(EmvErrorCode.ATC_INVALID, 'atc: expected an integer from 0 to 65535');
    return new Uint8Array([atc >> 8, atc & 0xff]);
  }
  const b = toBytes(atc, 'atc');
  if (b.length !== 2) throw new EmvError(EmvErrorCode.ATC_INVALID, `atc: expected 2 bytes, got ${b.length}`);
  return b;
}
