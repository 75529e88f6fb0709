/**
 * A sentence for every decline reason the server gives (docs/dashboard.md "Why declined"): the
 * issuer's own checks, decided before the fraud engine is asked (docs/server-api.md
 * "Authorization", steps 1–7: @openvse/protocol's DeclineReason), and the fraud engine's
 * (fraud/engine.ts RISK_REASON). A reason without a sentence (a risk engine of the bank's own
 * may name others) is shown with a generic one. test/dashboard/format.test.ts checks that every
 * reason of both lists has its own.
 */
import { DeclineReason } from '@openvse/protocol';
import { RISK_REASON } from '../fraud/engine.js';

/** Decline reason → what an analyst reads. */
export const DECLINE_EXPLANATIONS: Readonly<Record<string, string>> = Object.freeze({
  // step 1–2: the card
  [DeclineReason.UNKNOWN_TOKEN]:
    'Unknown card: no card here has this token PAN (or PAN). Never digitized, deleted and replaced, or a mistyped or forged number.',
  [DeclineReason.TOKEN_SUSPENDED]:
    'The card is suspended (by the issuer or the token requestor, or after too many wrong mobile PINs); it pays again once resumed.',
  [DeclineReason.TOKEN_DELETED]: 'The card was deleted; a deleted token never pays again.',
  // step 3: the chip data
  [DeclineReason.CHIP_DATA_INVALID]:
    'The chip data (field 55) could not be read: a mandatory EMV tag is missing or malformed.',
  [DeclineReason.AMOUNT_MISMATCH]:
    'The amount in the request is not the amount the card signed (tag 9F02): altered on the way.',
  [DeclineReason.CURRENCY_MISMATCH]:
    'The currency in the request is not the currency the card signed (tag 5F2A): altered on the way.',
  [DeclineReason.PSN_MISMATCH]: "The PAN sequence number is not the card's.",
  [DeclineReason.CARD_EXPIRED]: "The card's expiry date has passed.",
  // step 4: the cryptogram's version and type
  [DeclineReason.CVN_UNSUPPORTED]:
    'The cryptogram version (CVN, in the issuer application data) is not one the issuer verifies for this card.',
  [DeclineReason.CARD_AAC]: 'The card itself declined (it produced an AAC, not an ARQC asking to go online).',
  // step 5: the cryptogram
  [DeclineReason.CRYPTOGRAM_INVALID]:
    "Cryptogram failure: the ARQC did not verify under the card's keys (forged, altered, or made with another key).",
  [DeclineReason.WRONG_MOBILE_PIN]:
    'A wrong mobile PIN: the PIN check inside the cryptogram failed. Tries are counted; when they run out the card is suspended.',
  // step 6: the ATC
  [DeclineReason.ATC_REPLAY]:
    'ATC replay: this transaction counter was already used, so the cryptogram was replayed or sent twice.',
  [DeclineReason.ATC_OUT_OF_WINDOW]:
    'The transaction counter (ATC) is too far from the highest one accepted for the card.',
  [DeclineReason.ATC_NOT_ISSUED]:
    'Profile M: no single-use key was ever issued for this transaction counter.',
  [DeclineReason.CREDENTIAL_DISCARDED]:
    'Profile M: the single-use key of this transaction counter was discarded (reported used or lost by the wallet, or the device was reset).',
  // step 7: the LUK and the cardholder verification
  [DeclineReason.LUK_UNKNOWN]: 'The limited-use key named in the cryptogram was never issued to this card.',
  [DeclineReason.LUK_RETIRED]:
    'The limited-use key was replaced by a newer one (replenishment or reset): the wallet used an old key.',
  [DeclineReason.LUK_THRESHOLD]:
    'Key exhausted: the limited-use key reached its transaction count, cumulative amount or lifetime; the wallet must replenish.',
  [DeclineReason.CDCVM_UNVERIFIED]:
    'Above the CVM limit (or claiming a mobile PIN) without a mobile PIN the issuer could verify.',
  // step 8: the fraud engine
  [RISK_REASON.DEVICE_COMPROMISED]:
    'The fraud engine declined: V-Guard reported a threat on the device (now, or a blocking one recently); see its threats.',
  [RISK_REASON.DEVICE_SILENT]:
    'The fraud engine declined: the device stopped sending V-Guard reports and heartbeats past the silence window.',
  [RISK_REASON.PROTECTION_LEVEL_TOO_LOW]:
    "The fraud engine declined: the device's attested protection level is below the minimum the bank requires (no threat was reported).",
  [RISK_REASON.THREAT_REPORT_GAPS]:
    "The fraud engine declined: too many of the device's V-Guard reports never arrived.",
  [RISK_REASON.RISK_DECLINE]:
    "The fraud engine's score reached its decline threshold (see the rules that fired).",
  [RISK_REASON.RISK_STEP_UP]:
    "The fraud engine's score reached its step-up threshold; a payment cannot be stepped up after the tap, so it is declined.",
});

/** The sentence of a decline reason; a generic one for a reason the table does not know. */
export function explainDecline(reason: string): string {
  return Object.hasOwn(DECLINE_EXPLANATIONS, reason)
    ? (DECLINE_EXPLANATIONS[reason] as string)
    : 'Declined for a reason this dashboard has no explanation for (a risk engine of your own?).';
}

/** The reasons whose code or sentence contains `text` (case-insensitive): the free-text search. */
export function reasonsMatching(text: string): string[] {
  const t = text.toLowerCase();
  if (t.length < 3) return [];
  return Object.entries(DECLINE_EXPLANATIONS)
    .filter(([code, why]) => code.toLowerCase().includes(t) || why.toLowerCase().includes(t))
    .map(([code]) => code);
}
