/**
 * OpenVSE profile V limited-use key (docs/design.md "Profile V"; docs/emv-cryptography.md §4.1).
 *
 * The account parameters index API = "YHHHHCC" (7 decimal digits: last digit of the year, hour
 * of the year, LUK counter within the hour). LUK = EMV common session key (Book 2 A1.3.1) of the
 * card's MK_AC with R = 00 00 00 00 ‖ BCD("0" ‖ API). This R layout is OpenVSE's choice: Visa's
 * own VCPS derivation is confidential, and the issuer makes every LUK itself.
 */

import { digitsToBcd } from '../codec/bcd.js';
import { concatBytes, zeroize } from '../codec/bytes.js';
import { bytesToHex } from '../codec/hex.js';
import { EmvError, EmvErrorCode } from '../errors.js';
import { deriveEmvCommonSessionKey, type SessionKeyOptions } from './session-key-common.js';

type Bytes = Uint8Array | string;

/** Validates an account parameters index (7 decimal digits, ERR_API_INVALID otherwise). */
export function normalizeApi(api: unknown): string {
  if (typeof api !== 'string' || !/^[0-9]{7}$/.test(api))
    throw new EmvError(EmvErrorCode.API_INVALID, 'api: expected 7 decimal digits (YHHHHCC)');
  return api;
}

/** BCD("0" ‖ API): the 4-byte form that goes into R and into the profile V IAD. */
export function encodeApiBcd(api: string): Uint8Array {
  return digitsToBcd(`0${normalizeApi(api)}`);
}

/** Decodes the 4-byte BCD("0" ‖ API) back into the 7-digit API (ERR_API_INVALID if malformed). */
export function decodeApiBcd(bcd: Uint8Array): string {
  const s = bytesToHex(bcd);
  if (bcd.length !== 4 || !/^0[0-9]{7}$/.test(s))
    throw new EmvError(EmvErrorCode.API_INVALID, 'api: expected BCD "0" followed by 7 digits');
  return s.slice(1);
}

/** R = 00000000 ‖ BCD("0" ‖ API). */
export function lukDiversifier(api: string): Uint8Array {
  return concatBytes(new Uint8Array(4), encodeApiBcd(api));
}

/** LUK = CSK(MK_AC, 00000000 ‖ BCD("0" ‖ API)), odd parity unless `parity: 'none'`. */
export function deriveLuk(
  mkAc: Bytes,
  api: string,
  options: Pick<SessionKeyOptions, 'parity'> = {},
): Uint8Array {
  const r = lukDiversifier(api);
  try {
    return deriveEmvCommonSessionKey(mkAc, r, { algorithm: 'tdes', parity: options.parity ?? 'odd' });
  } finally {
    zeroize(r);
  }
}
