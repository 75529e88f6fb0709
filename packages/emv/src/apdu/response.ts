/**
 * Response APDUs (ISO/IEC 7816-4 §5.1, §5.6): optional data field followed by the status word
 * SW1 SW2.
 */

import { concatBytes } from '../codec/bytes.js';
import { EmvError, EmvErrorCode, EmvParseError } from '../errors.js';
import { inputBytes } from '../tlv/parse.js';

/**
 * A response APDU (ISO/IEC 7816-4 §5.1): the data field (possibly empty) and the status word, as
 * `sw1`, `sw2` and `sw` = SW1 × 256 + SW2.
 */
export type ResponseApdu = { data: Uint8Array; sw: number; sw1: number; sw2: number };

/** Splits a response into data (a copy) and status word; fewer than 2 bytes: ERR_APDU_TOO_SHORT. */
export function parseResponseApdu(bytes: Uint8Array): ResponseApdu {
  const b = inputBytes(bytes, 'parseResponseApdu');
  if (b.length < 2)
    throw new EmvParseError(EmvErrorCode.APDU_TOO_SHORT, `response APDU of ${b.length} bytes`, b.length);
  const sw1 = b[b.length - 2]!;
  const sw2 = b[b.length - 1]!;
  return { data: b.slice(0, b.length - 2), sw: (sw1 << 8) | sw2, sw1, sw2 };
}

/** `data ‖ SW1 SW2`; `data` may be empty. */
export function encodeResponseApdu(data: Uint8Array, sw: number): Uint8Array {
  if (!(data instanceof Uint8Array))
    throw new EmvError(EmvErrorCode.APDU_BAD_FIELD, 'response APDU: data must be a Uint8Array');
  if (!Number.isInteger(sw) || sw < 0 || sw > 0xffff)
    throw new EmvError(EmvErrorCode.APDU_BAD_FIELD, 'response APDU: SW must be an integer 0..0xFFFF');
  return concatBytes(data, Uint8Array.of(sw >> 8, sw & 0xff));
}
