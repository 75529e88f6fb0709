/**
 * Track 2 Equivalent Data (tag 57, EMV Book 3 Annex A; ISO/IEC 7813 track 2 layout): PAN
 * (up to 19 digits) ‖ 'D' ‖ expiry YYMM ‖ service code (3 digits) ‖ discretionary data,
 * padded with 'F' to whole bytes.
 */

export interface Track2 {
  pan: string;
  /** YYMM */
  expiry: string;
  serviceCode: string;
  discretionary: string;
}

/** Parses 57; undefined when it does not have the track 2 shape. */
export function parseTrack2(value: Uint8Array): Track2 | undefined {
  let s = Buffer.from(value).toString('hex').toUpperCase();
  if (s.endsWith('F')) s = s.slice(0, -1);
  const m = /^([0-9]{12,19})D([0-9]{4})([0-9]{3})([0-9]*)$/.exec(s);
  if (!m) return undefined;
  return { pan: m[1]!, expiry: m[2]!, serviceCode: m[3]!, discretionary: m[4]! };
}

/** The PAN digits of 5A (format cn: trailing 'F' padding), or undefined if not digits. */
export function parsePan(value: Uint8Array): string | undefined {
  const s = Buffer.from(value).toString('hex').toUpperCase().replace(/F+$/, '');
  return /^[0-9]{8,19}$/.test(s) ? s : undefined;
}
