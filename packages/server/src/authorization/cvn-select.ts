/**
 * Choosing the cryptogram version from the IAD (tag 9F10) and the card record (docs/design.md
 * "Tokenization and authorization"; docs/cbp-protocol.md §4): cloud profile V must carry the
 * OpenVSE format `1F 43 …` (32 bytes), cloud profile M `KDI ‖ 14 …` (18 bytes); plain cards use
 * the scheme's CVN byte (Visa: byte 3 of a `06 …` IAD, byte 2 of a `1F …` format 2 IAD;
 * Mastercard: byte 2) looked up with packages/emv findCvnProfile, limited to Visa CVN 10/18/22
 * and Mastercard CVN 16/17/20/21.
 */
import { type CvnProfile, findCvnProfile, openvseProfileM, openvseProfileV } from '@openvse/emv/cvn';
import type { CardRow } from '../domain/cards.js';

const PLAIN_ALLOWED = new Set(['visa-10', 'visa-18', 'visa-22', 'mc-16', 'mc-17', 'mc-20', 'mc-21']);

/** The CVN profile to verify the cryptogram with; undefined when the IAD names none the card may use. */
export function selectCvnProfile(
  card: Pick<CardRow, 'cardType' | 'profile'>,
  iad: Uint8Array,
): CvnProfile | undefined {
  let p: CvnProfile | undefined;
  if (card.cardType === 'cloud') {
    p = card.profile === 'V' ? openvseProfileV : openvseProfileM;
  } else if (card.profile === 'V') {
    const cvn = iad[0] === 0x06 ? iad[2] : iad[0] === 0x1f ? iad[1] : undefined;
    p = cvn === undefined ? undefined : findCvnProfile('visa', cvn);
  } else {
    p = iad[1] === undefined ? undefined : findCvnProfile('mastercard', iad[1]);
  }
  if (!p) return undefined;
  if (card.cardType === 'plain' && !PLAIN_ALLOWED.has(p.id)) return undefined;
  try {
    p.parseIad(iad);
  } catch {
    return undefined;
  }
  return p;
}
