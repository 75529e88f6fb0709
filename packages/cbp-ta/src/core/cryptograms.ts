/**
 * The cryptogram commands (docs/cbp-protocol.md §4; docs/design.md "Cards, keys and
 * cryptograms"; docs/emv-cryptography.md):
 *  - GPO_V, profile V (qVSDC-style, CVN 0x43): the PDOL data is MACed under the card's LUK, which
 *    has a transaction count, an expiry and a cumulative amount threshold; a held cardholder
 *    verification puts a MAC under the LUK with the mobile PIN mixed in into the IAD (§4.6);
 *  - GENAC_M, profile M (M/Chip-style, CVN 0x14): the CDOL1 data is MACed under the next
 *    single-use SUK_UMD (with the mobile PIN mixed in when the card has one) and SK_MD.
 * Cardholder verification (docs/cdcvm.md) is only ever the mobile PIN, which the issuer checks;
 * one held verification goes with one payment.
 * Both share one preamble (argument checks aside): load the device and the card, housekeeping,
 * the reaction policy's verdict (a `wipe_keys` verdict wipes every credential first). A decline
 * still answers a cryptogram, MACed under a random key, except CDCVM_REQUIRED (the wallet asks
 * the cardholder and taps again) and UNKNOWN_CARD. The ATC, and the LUK's use or the SUK's
 * consumption, is covered by a sealed reservation before the cryptogram leaves (reservation.ts,
 * card-store.ts: a crash consumes the whole reservation), so an ATC or a SUK is never used twice;
 * the tap's own record is written behind the answer (or before it, in write-through mode).
 */
import {
  bcdToNumber,
  bytesToHex,
  concatBytes,
  digitsToBcd,
  encodeTrack2,
  hexToBytes,
  u16Bytes,
} from '@openvse/emv/codec';
import { encodeTlv } from '@openvse/emv/tlv';
import { ReasonCode } from '@openvse/protocol';
import { bad, checkBytes, checkCardId, isInt } from './checks.js';
import type { CoreContext } from './context.js';
import { checkMobilePin, mobilePinMask } from './mobile-pin.js';
import { cdolDataLength } from './profile-checks.js';
import { checkAtcLeft } from './reservation.js';
import { type CardState, HISTORY_MAX, type LukState, type SukState } from './state.js';

/** What GPO_V and GENAC_M answer. */
export interface CryptogramResult {
  /** A {@link ReasonCode}: why the card answered as it did (0 approves). */
  reason: number;
  /** The ATC of the answer (the card's current one when no cryptogram was made). */
  atc: number;
  /** BER-TLV data elements (empty for reasons 6 and 8). */
  elements: Uint8Array;
}

/** PDOL data of GPO_V: 9F66 TTQ(4) ‖ 9F02 ‖ 9F03 ‖ 9F1A ‖ 95 ‖ 5F2A ‖ 9A ‖ 9C ‖ 9F37 (§4). */
const PDOL_V_LENGTH = 33;
/** Profile V issuer application data (9F10): 1F 43 ‖ DKI ‖ CVR(4) ‖ BCD("0" ‖ API) ‖ zeros. */
const V_IAD_LENGTH = 32;
/** Form factor indicator (9F6E) of a mobile phone. */
const FORM_FACTOR = hexToBytes('20700000');
/** CDOL1 data of profile M: at least the 29 bytes the cryptogram covers, at most 252. */
const CDOL1_MIN = 29;
const CDOL1_MAX = 252;

/** Where the profile V IAD carries the mobile-PIN MAC (docs/emv-cryptography.md §4.6). */
const V_PIN_MAC_OFFSET = 11;
const V_PIN_MAC_LENGTH = 4;

/** Primitive BER-TLV data elements in the given order (EMV Book 3 Annex B). */
function dataElements(items: Array<[string, Uint8Array]>): Uint8Array {
  return encodeTlv(items.map(([tag, value]) => ({ tag, value })));
}

function noCryptogram(reason: ReasonCode, atc: number): CryptogramResult {
  return { reason, atc, elements: new Uint8Array(0) };
}

/** What the shared preamble hands to the reason selection. */
interface Tap {
  /** The card after any `wipe_keys` verdict. */
  card: CardState;
  /** The reaction policy (or the server's `blockPayments`) blocks payments. */
  blocked: boolean;
}

/**
 * The preamble GPO_V and GENAC_M share, once their arguments are checked: undefined when the TA
 * is not enrolled or has no such card of that profile (UNKNOWN_CARD). `checkAgainstCard` runs on
 * the card before anything else happens (GENAC_M: the CDOL1 data against the card's CDOL1).
 */
async function openTap(
  ctx: CoreContext,
  cardId: string,
  profile: 'V' | 'M',
  checkAgainstCard?: (c: CardState) => void,
): Promise<Tap | undefined> {
  const d = await ctx.loadDevice();
  let c = await ctx.loadCard(cardId);
  if (!d || !c || c.card.profile !== profile) return undefined;
  checkAgainstCard?.(c);
  await ctx.housekeeping();
  const verdict = await ctx.verdict(d);
  if (verdict.wipe) {
    await ctx.wipeAllCredentials();
    c = (await ctx.loadCard(cardId))!;
  }
  return { card: c, blocked: verdict.block };
}

/** The reasons both profiles give before looking at credentials, in this order. */
function gateReason(tap: Tap): ReasonCode | undefined {
  if (tap.blocked) return ReasonCode.PAYMENTS_BLOCKED;
  if (tap.card.state === 'SUSPENDED') return ReasonCode.CARD_SUSPENDED;
  return undefined;
}

/** Profile V: the gate, the LUK and its thresholds, then the CVM limit. */
function reasonV(
  tap: Tap,
  luk: LukState | null,
  amount: number,
  nowMs: number,
  cdcvmDone: boolean,
): ReasonCode {
  const gate = gateReason(tap);
  if (gate !== undefined) return gate;
  if (!luk) return ReasonCode.NO_CREDENTIALS;
  if (luk.used >= luk.maxTransactions) return ReasonCode.LUK_MAX_TRANSACTIONS;
  if (nowMs >= luk.notAfter * 1000) return ReasonCode.LUK_EXPIRED;
  if (luk.usedAmount + amount > luk.maxAmount) return ReasonCode.LUK_MAX_AMOUNT;
  if (amount > tap.card.card.cvmLimit && !cdcvmDone) return ReasonCode.CDCVM_REQUIRED;
  return ReasonCode.OK;
}

/** BCD("0" ‖ API), 4 bytes, of a 7-digit account parameters index (docs/design.md "Profile V"). */
function apiBcd(api: string): Uint8Array {
  if (!/^[0-9]{7}$/.test(api)) throw new RangeError('api: expected 7 digits');
  return digitsToBcd(`0${api}`);
}

/** GPO_V: the profile V cryptogram (ARQC, or AAC under a random key) and its data elements. */
export async function gpoV(
  ctx: CoreContext,
  cardIdIn: string,
  pdolIn: Uint8Array,
): Promise<CryptogramResult> {
  const cardId = checkCardId(cardIdIn);
  const pdol = checkBytes(pdolIn, 'pdolData');
  if (pdol.length !== PDOL_V_LENGTH) throw bad(`pdolData must be ${PDOL_V_LENGTH} bytes`);
  const amount = bcdToNumber(pdol.subarray(4, 10));
  if (amount === undefined || bcdToNumber(pdol.subarray(10, 16)) === undefined)
    throw bad('amounts must be BCD');
  const tap = await openTap(ctx, cardId, 'V');
  if (!tap) return noCryptogram(ReasonCode.UNKNOWN_CARD, 0);
  const c = tap.card;
  const card = c.card;
  const luk = c.luk;
  const cdcvmDone = card.mobilePin && ctx.cdcvmHeld(card);
  const reason = reasonV(tap, luk, amount, ctx.platform.now(), cdcvmDone);
  if (reason === ReasonCode.CDCVM_REQUIRED) return noCryptogram(reason, c.atc);
  // One verification, one payment: a held one goes with this cryptogram, whatever it answers.
  const mask = cdcvmDone ? ctx.takeCdcvm(card) : undefined;
  try {
    return await gpoVCryptogram(ctx, tap, pdol, amount, reason, mask);
  } finally {
    mask?.fill(0);
  }
}

/** GPO_V once the reason is known: the reservation, the IAD (with its PIN MAC), the AC. */
async function gpoVCryptogram(
  ctx: CoreContext,
  tap: Tap,
  pdol: Uint8Array,
  amount: number,
  reason: ReasonCode,
  mask: Uint8Array | undefined,
): Promise<CryptogramResult> {
  const c = tap.card;
  const card = c.card;
  const cardId = card.cardId;
  const luk = c.luk;
  const cdcvmDone = mask !== undefined;
  const overLimit = amount > card.cvmLimit;
  checkAtcLeft(c);
  const approved = reason === ReasonCode.OK;
  // The ATC (and the LUK's use) is reserved, sealed, before the cryptogram leaves: never reused.
  await ctx.cards.headroom(cardId, { approve: approved, amount });
  const atc = c.atc + 1;
  const threshold =
    reason === ReasonCode.LUK_MAX_TRANSACTIONS ||
    reason === ReasonCode.LUK_EXPIRED ||
    reason === ReasonCode.LUK_MAX_AMOUNT;
  const cvr = Uint8Array.of(
    (cdcvmDone ? 0x80 : 0) |
      (overLimit && !cdcvmDone ? 0x40 : 0) |
      (threshold ? 0x20 : 0) |
      (reason === ReasonCode.CARD_SUSPENDED ? 0x10 : 0) |
      (reason === ReasonCode.PAYMENTS_BLOCKED ? 0x08 : 0),
    reason,
    0,
    0,
  );
  const iad = new Uint8Array(V_IAD_LENGTH);
  iad[0] = 0x1f;
  iad[1] = 0x43;
  iad.set(hexToBytes(luk?.dki ?? '00'), 2);
  iad.set(cvr, 3);
  iad.set(apiBcd(luk?.api ?? '0000000'), 7);
  const aip = hexToBytes(card.aip);
  if (approved && luk?.pinKeyId && mask) {
    // The PIN MAC over the AC data with its own field zero; the AC then covers it.
    const acData0 = concatBytes(pdol.subarray(4), aip, u16Bytes(atc), iad);
    const pinMac = await ctx.macWithLukMixed(luk.pinKeyId, mask, acData0);
    iad.set(pinMac.subarray(0, V_PIN_MAC_LENGTH), V_PIN_MAC_OFFSET);
  }
  const acData = concatBytes(pdol.subarray(4), aip, u16Bytes(atc), iad);
  const ac = approved && luk ? await ctx.macWithLuk(luk.keyId, acData) : await ctx.macRandom(acData);
  const next: CardState = { ...c, atc };
  if (approved && luk) {
    next.luk = {
      ...luk,
      used: luk.used + 1,
      usedAmount: luk.usedAmount + amount,
      firstAtc: luk.firstAtc ?? atc,
      log: [...luk.log, { atc, un: bytesToHex(pdol.subarray(29, 33)), amount }],
    };
  }
  await ctx.cards.tapped(next);
  const elements = dataElements([
    ['57', encodeTrack2({ pan: card.pan, expiry: card.expiry })],
    ['82', aip],
    ['5F34', hexToBytes(card.psn)],
    ['9F10', iad],
    ['9F26', ac],
    ['9F27', Uint8Array.of(approved ? 0x80 : 0x00)],
    ['9F36', u16Bytes(atc)],
    ['9F6C', Uint8Array.of(0x00, cdcvmDone ? 0x80 : 0x00)],
    ['9F6E', FORM_FACTOR],
  ]);
  return { reason, atc, elements };
}

/** Profile M: the gate, the next SUK, the mobile PIN (when the profile mixes it in), the CVM limit. */
function reasonM(
  tap: Tap,
  suk: SukState | undefined,
  amount: number,
  pinGiven: boolean,
  cdcvmDone: boolean,
): ReasonCode {
  const gate = gateReason(tap);
  if (gate !== undefined) return gate;
  if (!suk) return ReasonCode.NO_CREDENTIALS;
  const card = tap.card.card;
  if (card.mobilePin && !pinGiven) return ReasonCode.CDCVM_REQUIRED;
  if (amount > card.cvmLimit && !cdcvmDone) return ReasonCode.CDCVM_REQUIRED;
  return ReasonCode.OK;
}

/** GENAC_M: the profile M cryptogram (ARQC, TC or AAC), consuming the next SUK, and its data elements. */
export async function generateAcM(
  ctx: CoreContext,
  cardIdIn: string,
  p1: number,
  cdol1In: Uint8Array,
  mobilePin?: string,
): Promise<CryptogramResult> {
  const cardId = checkCardId(cardIdIn);
  if (!isInt(p1, 0, 255) || (p1 & 0xc0) === 0xc0) throw bad('p1 must be a GENERATE AC reference control');
  const cdol1 = checkBytes(cdol1In, 'cdol1Data');
  if (mobilePin !== undefined) checkMobilePin(mobilePin);
  if (cdol1.length < CDOL1_MIN || cdol1.length > CDOL1_MAX) throw bad('cdol1Data length');
  const amount = bcdToNumber(cdol1.subarray(0, 6));
  if (amount === undefined) throw bad('amount must be BCD');
  const tap = await openTap(ctx, cardId, 'M', (c) => {
    if (cdol1.length !== cdolDataLength(c.card.cdol1 ?? ''))
      throw bad('cdol1Data does not match the card CDOL1');
  });
  if (!tap) return noCryptogram(ReasonCode.UNKNOWN_CARD, 0);
  const c = tap.card;
  const card = c.card;
  // The PIN comes with the command or from a held verification; only a card with a mobile PIN
  // can verify its cardholder (without one, its SUKs need no PIN and nothing is verified).
  const pinGiven = card.mobilePin && (mobilePin !== undefined || ctx.cdcvmHeld(card));
  const suk: SukState | undefined = c.suks[0];
  const reason = reasonM(tap, suk, amount, pinGiven, pinGiven);
  if (reason === ReasonCode.CDCVM_REQUIRED) return noCryptogram(reason, c.atc);
  const held = card.mobilePin ? ctx.takeCdcvm(card) : undefined;
  let mask = held;
  if (mobilePin !== undefined && card.mobilePin) {
    held?.fill(0);
    mask = mobilePinMask(mobilePin);
  }
  try {
    return await generateAcMCryptogram(ctx, tap, p1, cdol1, amount, reason, mask);
  } finally {
    mask?.fill(0);
  }
}

/** GENAC_M once the reason is known: the reservation, the AC (PIN mixed in), MD, IAD. */
async function generateAcMCryptogram(
  ctx: CoreContext,
  tap: Tap,
  p1: number,
  cdol1: Uint8Array,
  amount: number,
  reason: ReasonCode,
  mask: Uint8Array | undefined,
): Promise<CryptogramResult> {
  const c = tap.card;
  const card = c.card;
  const cardId = card.cardId;
  const cdcvmDone = mask !== undefined;
  const suk: SukState | undefined = c.suks[0];
  const approved = reason === ReasonCode.OK;
  // The SUK is reserved (consumed if a crash follows), sealed, before the cryptogram leaves.
  if (suk) await ctx.cards.headroom(cardId, { approve: approved, amount }, suk);
  const atc = suk ? suk.atc : c.atc;
  const arqc = approved && (p1 & 0xc0) !== 0x00;
  const cvr = Uint8Array.of(arqc ? 0xa0 : 0x80, 0, 0, cdcvmDone ? 0x01 : 0, reason, 0);
  const acData = concatBytes(cdol1.subarray(0, CDOL1_MIN), hexToBytes(card.aip), u16Bytes(atc), cvr);
  let ac: Uint8Array;
  let md: Uint8Array;
  if (approved && suk) {
    md = await ctx.macWith(suk.mdKeyId, acData);
    if (card.mobilePin && mask) {
      const base = await ctx.platform.loadKey(suk.umdKeyId);
      const mixed = await ctx.withKey(base, (h) => ctx.platform.xorDeriveDes3Key(h, mask));
      ac = await ctx.withKey(mixed, (h) => ctx.platform.retailMac(h, acData));
    } else ac = await ctx.macWith(suk.umdKeyId, acData);
  } else {
    ac = await ctx.macRandom(acData);
    md = await ctx.macRandom(acData);
  }
  const left = Math.min(255, c.suks.length - (suk ? 1 : 0));
  const idn = suk ? hexToBytes(suk.idn).subarray(0, 2) : new Uint8Array(2);
  const iad = concatBytes(
    hexToBytes(card.kdi),
    Uint8Array.of(0x14),
    cvr,
    idn,
    Uint8Array.of(left),
    md.subarray(0, 5),
    new Uint8Array(2),
  );
  if (suk) {
    // The SUK is consumed (also on decline); without one nothing changes.
    const next: CardState = { ...c, atc, suks: c.suks.slice(1), history: [...c.history] };
    next.history.push({ atc: suk.atc, status: 'USED' });
    if (next.history.length > HISTORY_MAX) next.history.splice(0, next.history.length - HISTORY_MAX);
    await ctx.cards.tapped(next);
    await ctx.dropKeys([suk.umdKeyId, suk.mdKeyId]);
  }
  const elements = dataElements([
    ['9F27', Uint8Array.of(arqc ? 0x80 : 0x00)],
    ['9F36', u16Bytes(atc)],
    ['9F26', ac],
    ['9F10', iad],
  ]);
  return { reason, atc, elements };
}
