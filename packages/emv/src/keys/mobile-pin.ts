/**
 * MCBP mobile PIN mixing (docs/emv-cryptography.md §4.5; vectors mcbp-mobile-pin-unlock/-2).
 *
 * For i < min(len(PIN), 8): s = (ASCII(PIN[i]) << 1) mod 256; K[i] ^= s; K[i + 8] ^= s.
 * The function is its own inverse: the server turns SK_UMD into SUK_UMD with it, the card turns
 * SUK_UMD back into SK_UMD with the PIN the user typed. The PIN is never stored.
 *
 * `pin` is either the ASCII bytes (Uint8Array) or the PIN as text (string, e.g. "1234"; each
 * character must be printable ASCII). A string is NOT read as hex here: hex "31323334" would be
 * the 8-character PIN "31323334". Pass `hexToBytes(...)` for hex input.
 */

import { latin1Bytes, zeroize } from '../codec/bytes.js';
import { toBytes } from '../codec/hex.js';
import { EmvError, EmvErrorCode } from '../errors.js';

type Bytes = Uint8Array | string;

function pinBytes(pin: Uint8Array | string): Uint8Array {
  if (typeof pin === 'string') {
    if (!/^[\x20-\x7e]+$/.test(pin))
      throw new EmvError(EmvErrorCode.PIN_INVALID, 'pin: expected printable ASCII text');
    return latin1Bytes(pin, 'pin');
  }
  if (pin instanceof Uint8Array) return new Uint8Array(pin);
  throw new EmvError(EmvErrorCode.PIN_INVALID, 'pin: expected ASCII bytes or text');
}

/** Mixes (or un-mixes) `pin` into the 16-byte key; returns a new key. */
export function mixMobilePin(key: Bytes, pin: Uint8Array | string): Uint8Array {
  const out = toBytes(key, 'key');
  const p = pinBytes(pin);
  try {
    if (out.length !== 16) {
      out.fill(0);
      throw new EmvError(EmvErrorCode.KEY_LENGTH, `key: expected a 16-byte key, got ${out.length}`);
    }
    if (p.length === 0) {
      out.fill(0);
      throw new EmvError(EmvErrorCode.PIN_INVALID, 'pin: empty');
    }
    const n = Math.min(p.length, 8);
    for (let i = 0; i < n; i++) {
      const s = (p[i]! << 1) & 0xff;
      out[i]! ^= s;
      out[i + 8]! ^= s;
    }
    return out;
  } finally {
    zeroize(p);
  }
}
