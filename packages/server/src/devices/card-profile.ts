/**
 * The card profile carried by a `provision` message (docs/cbp-protocol.md §2 `provision`;
 * @openvse/protocol CardProfile, which the TA parses strictly): the public data the TA serves,
 * per profile. Profile M also carries its static record (SFI 1 record 1: template 70 with 57,
 * 5A, 5F24, 5F34, 8C; EMV Book 3 Annex A) and CDOL1, served as they are. Nothing here is
 * secret; the keys travel only in `credentials` messages.
 */
import { bytesToHex, encodeTrack2 } from '@openvse/emv/codec';
import { encodeTlv } from '@openvse/emv/tlv';
import type { CardProfile } from '@openvse/protocol';
import type { CardDefaults } from '../config.js';
import type { CardRow } from '../domain/cards.js';

/** CDOL1 of the profile M cards (EMV Book 3 §5.4): the data the terminal sends with GENERATE AC. */
export const CDOL1 = '9F02069F03069F1A0295055F2A029A039C019F37049F35019F45029F4C089F3403';

/** YYMM → YYMMDD of the last day of that month (tag 5F24). */
function lastDay(expiry: string): string {
  const yy = Number(expiry.slice(0, 2));
  const mm = Number(expiry.slice(2));
  const d = new Date(Date.UTC(2000 + yy, mm, 0)).getUTCDate();
  return `${expiry}${String(d).padStart(2, '0')}`;
}

/** The `card` of the provision message of a cloud card, with the issuer's card defaults. */
export function buildCardProfile(card: CardRow, d: CardDefaults): CardProfile {
  const common = {
    cardId: card.cardId,
    profile: card.profile,
    pan: card.tokenPan,
    psn: card.psn,
    expiry: card.expiry,
    priority: 1,
    cvmLimit: d.cvmLimit,
    currency: d.currency,
    country: d.country,
    cdcvmResetTimeoutSec: d.cdcvmResetTimeoutSec,
    kdi: card.kdi,
    replenishBelow: d.replenishBelow,
    mobilePin: card.mobilePinEnc !== null,
  };
  if (card.profile === 'V') return { ...common, aid: 'A0000000031010', label: 'OPENVSE VISA', aip: '0080' };
  const panHex = card.tokenPan.length % 2 === 1 ? `${card.tokenPan}F` : card.tokenPan;
  const record = encodeTlv({
    tag: '70',
    children: [
      { tag: '57', value: encodeTrack2({ pan: card.tokenPan, expiry: card.expiry }) },
      { tag: '5A', value: panHex },
      { tag: '5F24', value: lastDay(card.expiry) },
      { tag: '5F34', value: card.psn },
      { tag: '8C', value: CDOL1 },
    ],
  });
  return {
    ...common,
    aid: 'A0000000041010',
    label: 'OPENVSE MASTERCARD',
    aip: '1980',
    afl: '08010100',
    records: [{ sfi: 1, record: 1, data: bytesToHex(record) }],
    cdol1: CDOL1,
  };
}
