/**
 * ICC master key derivation from an issuer master key, EMV Book 2 Annex A1.4.
 *
 * Option A (A1.4.1): Y = the rightmost 16 digits of PAN ‖ PSN (left-padded with '0'), packed as
 *   8 BCD bytes; MK = TDES(IMK)[Y] ‖ TDES(IMK)[Y ⊕ FF…FF].
 * Option B (A1.4.2), for PANs over 16 digits (a PAN of 16 digits or fewer uses Option A):
 *   X = PAN ‖ PSN left-padded with '0' to an even length, H = SHA-1(BCD(X)); decimalise the
 *   40 hex digits of H (first the digits 0–9 in order, then, if fewer than 16, the letters A–F
 *   mapped to 0–5 in order); the first 16 digits are Y, then as Option A.
 * The ICC MK is returned with odd DES parity (the parity bits do not change any cryptogram).
 * TDES and SHA-1 come from the crypto backend in use (crypto/backend.ts).
 */
import { digitsToBcd } from '../codec/bcd.js';
import { concatBytes, zeroize } from '../codec/bytes.js';
import { bytesToHex, toBytes } from '../codec/hex.js';
import { getCryptoBackend } from '../crypto/backend.js';
import { tdesEcbEncrypt } from '../crypto/des.js';
import { adjustOddParityInPlace } from '../crypto/parity.js';
import { EmvError, EmvErrorCode } from '../errors.js';
import { normalizePan, normalizePsn } from './pan.js';

type Bytes = Uint8Array | string;

/**
 * ICC master key derivation option of EMV Book 2 Annex A1.4: 'A' (A1.4.1) or 'B' (A1.4.2, which
 * equals 'A' for PANs of 16 digits or fewer).
 */
export type MkDerivationOption = 'A' | 'B';

/** Option A input block Y from a digit string (rightmost 16 digits, zero-padded on the left). */
export function optionAInput(panPsnDigits: string): string {
  return panPsnDigits.slice(-16).padStart(16, '0');
}

/** Option B decimalisation of PAN ‖ PSN into the 16-digit Y (Book 2 A1.4.2 steps 1–3). */
export function optionBInput(pan: string, psn: string): string {
  let x = pan + psn;
  if (x.length % 2 !== 0) x = `0${x}`;
  const bcd = digitsToBcd(x);
  const digest = getCryptoBackend().sha1(bcd);
  const h = bytesToHex(digest).toUpperCase();
  zeroize(bcd, digest);
  let y = '';
  for (const c of h) if (c >= '0' && c <= '9' && y.length < 16) y += c;
  for (const c of h) if (c >= 'A' && c <= 'F' && y.length < 16) y += String(c.charCodeAt(0) - 65);
  return y;
}

/** Option A steps 2–3 for a 16-digit Y: MK = TDES(IMK)[Y] ‖ TDES(IMK)[Y ⊕ FF…FF], odd parity. */
function deriveFromY(imk: Bytes, y: string): Uint8Array {
  const k = toBytes(imk, 'imk');
  const yl = digitsToBcd(y);
  const yr = yl.map((b) => b ^ 0xff);
  let y2: Uint8Array | undefined;
  try {
    if (k.length !== 16 && k.length !== 24)
      throw new EmvError(
        EmvErrorCode.KEY_LENGTH,
        `imk: issuer master keys are 16 or 24 bytes, got ${k.length}`,
      );
    // ECB encrypts each block independently: one call over Y ‖ (Y xor FF..FF) gives Z_L ‖ Z_R.
    y2 = concatBytes(yl, yr);
    return adjustOddParityInPlace(tdesEcbEncrypt(k, y2));
  } finally {
    zeroize(k, yl, yr, y2);
  }
}

/** EMV Book 2 A1.4.1 Option A. `psn` null/undefined means "00". */
export function deriveIccMkOptionA(imk: Bytes, pan: string, psn?: string | null): Uint8Array {
  const p = normalizePan(pan);
  const s = normalizePsn(psn);
  return deriveFromY(imk, optionAInput(p + s));
}

/** EMV Book 2 A1.4.2 Option B (PANs of 17–19 digits; shorter PANs use Option A). */
export function deriveIccMkOptionB(imk: Bytes, pan: string, psn?: string | null): Uint8Array {
  const p = normalizePan(pan);
  const s = normalizePsn(psn);
  if (p.length <= 16) return deriveFromY(imk, optionAInput(p + s));
  return deriveFromY(imk, optionBInput(p, s));
}

/** Derives the ICC MK with `option` 'A' or 'B'. */
export function deriveIccMk(
  imk: Bytes,
  pan: string,
  psn: string | null | undefined,
  option: MkDerivationOption,
): Uint8Array {
  if (option === 'A') return deriveIccMkOptionA(imk, pan, psn);
  if (option === 'B') return deriveIccMkOptionB(imk, pan, psn);
  throw new EmvError(EmvErrorCode.BAD_ARGUMENT, "option: expected 'A' or 'B'");
}
