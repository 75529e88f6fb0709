/**
 * Mastercard proprietary session key derivation ("MasterCard SKD", M/Chip 4 CVN 0x10/0x11;
 * docs/emv-cryptography.md §2.2): R = ATC(2) ‖ 00 00 ‖ UN(4), then the EMV common-session-key
 * construction of EMV Book 2 Annex A1.3.1 (R[2] := F0 / 0F). The UN is the terminal's tag 9F37, so
 * these keys cannot be made in advance (hence CVN 0x14 for cloud cards).
 */

import { concatBytes, zeroize } from '../codec/bytes.js';
import { toBytes } from '../codec/hex.js';
import { EmvError, EmvErrorCode } from '../errors.js';
import { normalizeAtc } from './atc.js';
import { deriveEmvCommonSessionKey, type SessionKeyOptions } from './session-key-common.js';

type Bytes = Uint8Array | string;

/** SK = CSK(MK, ATC ‖ 0000 ‖ UN); `options.parity` as for the common session key. */
export function deriveMastercardSkd(
  mk: Bytes,
  atc: Bytes | number,
  un: Bytes,
  options: Pick<SessionKeyOptions, 'parity'> = {},
): Uint8Array {
  const a = normalizeAtc(atc);
  const u = toBytes(un, 'un');
  if (u.length !== 4) throw new EmvError(EmvErrorCode.BAD_ARGUMENT, `un: expected 4 bytes, got ${u.length}`);
  const r = concatBytes(a, new Uint8Array(2), u);
  try {
    return deriveEmvCommonSessionKey(mk, r, { algorithm: 'tdes', parity: options.parity ?? 'odd' });
  } finally {
    zeroize(r);
  }
}
