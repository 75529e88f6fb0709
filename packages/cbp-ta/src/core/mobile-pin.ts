/**
 * The mobile PIN inside the TA (docs/cdcvm.md; docs/emv-cryptography.md §4.5): its syntax and the
 * MCBP mask, s = (ASCII(PIN[i]) << 1) mod 256 into bytes i and i + 8 for i < min(length, 8), which
 * the TA XORs into a card key (profile M: SUK_UMD back to SK_UMD; profile V: the LUK of the PIN
 * MAC). The TA never stores the PIN nor checks it: the issuer does, from the cryptogram.
 */
import { bad } from './checks.js';

/** 1 to 16 printable ASCII characters (the issuer's PINs are 4–8 digits; others simply fail there). */
const MOBILE_PIN = /^[\x20-\x7e]{1,16}$/;

/** Checks a mobile PIN given by the wallet (ERR_BAD_PARAMETERS otherwise). */
export function checkMobilePin(pin: unknown): string {
  if (typeof pin !== 'string' || !MOBILE_PIN.test(pin))
    throw bad('mobilePin must be 1..16 printable ASCII characters');
  return pin;
}

/** The 16-byte mask of `pin` (the caller zeroes it after use). */
export function mobilePinMask(pin: string): Uint8Array {
  const mask = new Uint8Array(16);
  const n = Math.min(pin.length, 8);
  for (let i = 0; i < n; i++) {
    const s = (pin.charCodeAt(i) << 1) & 0xff;
    mask[i] = s;
    mask[i + 8] = s;
  }
  return mask;
}
