/**
 * Issuer authorization for terminals (docs/design.md "Tokenization and authorization"; EMV Book
 * 2 §8.1–8.2): detokenize, check the token status, read the chip data, pick the CVN from the IAD,
 * verify the ARQC with packages/emv (profile V: LUK of the API in the IAD, which must be issued
 * to the card and not retired; profile M: SK_UMD and SK_MD, "wrong mobile PIN" when only the MD
 * cryptogram is right), check the ATC (replay, window around the highest accepted ATC, profile M:
 * a server-issued unused SUK), enforce the LUK thresholds, check the cardholder verification of
 * a cloud card (docs/cdcvm.md: above the CVM limit only a mobile PIN the issuer verified counts;
 * wrong PINs in a row suspend the token), ask the risk engine, and answer with a stable reason and
 * an ARPC.
 *
 * Two trips to the database (docs/scaling.md "One authorization, two round trips"): one read of
 * every fact the verdict needs (the card's row, the answer stored under the idempotency key, the
 * ATC ledger, the SUK / LUK, the fraud engine's history and device facts), then one write of the
 * decision (authorization row + ATC ledger row + SUK/LUK consumption + the fraud decision, one
 * transaction) before it is answered; the database constraints are the guards against a
 * concurrent replay (UNIQUE(card, atc)), a double SUK use and LUK thresholds, so a fact that
 * changed between the read and the write is caught by the write. An idempotency key returns the
 * first answer to a retry with the same body, and 409 to a different body.
 */
import { createHash, randomUUID } from 'node:crypto';
import { bytesToHex } from '@openvse/emv/codec';
import { type CvnProfile, issuerVerifyCryptogram, openvseVCdcvmClaimed } from '@openvse/emv/cvn';
import { EmvError } from '@openvse/emv/errors';
import {
  ApiErrorCode,
  type AuthorizationRequest,
  type AuthorizationResponse,
  type Decision,
  DeclineReason,
} from '@openvse/protocol';
import type { AuthorizationFacts, AuthorizationPlan, AuthorizationRow } from '../domain/authorizations.js';
import type { CardRow, LukRow } from '../domain/cards.js';
import type { RiskDecisionRow } from '../domain/risk-decisions.js';
import { ServerError } from '../errors.js';
import type { Services } from '../services.js';
import { publishAuthorizationDecision, publishRiskDecision } from '../stream/publish.js';
import { expiryValid, keyPan } from '../tokens/digitize.js';
import { changeLifecycle } from '../tokens/lifecycle.js';
import { type ChipData, readChipData } from './chip-data.js';
import { selectCvnProfile } from './cvn-select.js';

const ARC = { APPROVE: '3030', DECLINE: '3035' } as const;
const CSU = { APPROVE: '00800000', DECLINE: '00000000' } as const;

/** SHA-256 over the request with its keys sorted: what "the same body" means for idempotency. */
export function requestHash(req: AuthorizationRequest): string {
  const sorted = Object.fromEntries(Object.entries(req).sort(([a], [b]) => (a < b ? -1 : 1)));
  return createHash('sha256').update(JSON.stringify(sorted)).digest('base64url');
}

interface Verdict {
  decision: Decision;
  reasons: string[];
  card?: CardRow;
  chip?: ChipData;
  profile?: CvnProfile;
  cryptoValid: boolean;
  /** The ATC is spent: write the ledger row (and consume the SUK for profile M). */
  spendAtc: boolean;
  luk?: LukRow;
  /** Profile V: count this transaction against the LUK ('amount' also adds the amount). */
  countLuk?: 'amount' | 'count';
  /** The mobile PIN the tap carried, as the issuer found it (counted / reset with the decision). */
  mobilePin?: 'wrong' | 'verified';
  /** The fraud engine's decision, stored with the authorization. */
  riskDecision?: RiskDecisionRow;
}

const decline = (reason: string, v: Partial<Verdict> = {}): Verdict => ({
  decision: 'DECLINE',
  reasons: [reason],
  cryptoValid: false,
  spendAtc: false,
  ...v,
});

/** What a card reference resolves to: the columns that never change once a card exists. */
interface CardRef {
  cardId: string;
  profile: CardRow['profile'];
  cardType: CardRow['cardType'];
  /** Found by a funding PAN (plain cards), not a token PAN. */
  byFundingPan: boolean;
}

const CARD_REFS_MAX = 100_000;
/**
 * Token PAN (or funding PAN) → card id, profile and type, per Services (an instance). These
 * never change for a card, so the cache needs no invalidation across instances; everything that
 * does change (status, device, PIN tries) is read fresh with the authorization's facts. A card
 * found by funding PAN whose fresh row is DELETED is looked up again (another plain card may
 * have replaced it).
 */
const cardRefs = new WeakMap<Services, Map<string, CardRef>>();

async function lookupCard(s: Services, req: AuthorizationRequest): Promise<CardRef | undefined> {
  const pan = req.tokenPan ?? req.pan;
  if (!pan) return undefined;
  const byToken = await s.store.getCardByTokenPan(pan);
  let card = byToken;
  if (!card && req.tokenPan === undefined)
    card = (await s.store.getCardsByFundingHash(s.keys.panHash(pan))).find(
      (c) => c.cardType === 'plain' && c.status !== 'DELETED',
    );
  return (
    card && { cardId: card.cardId, profile: card.profile, cardType: card.cardType, byFundingPan: !byToken }
  );
}

async function findCardRef(
  s: Services,
  req: AuthorizationRequest,
  fresh = false,
): Promise<CardRef | undefined> {
  const key = req.tokenPan !== undefined ? `t:${req.tokenPan}` : `p:${req.pan ?? ''}`;
  let refs = cardRefs.get(s);
  if (!refs) {
    refs = new Map();
    cardRefs.set(s, refs);
  }
  const hit = fresh ? undefined : refs.get(key);
  if (hit) return hit;
  const ref = await lookupCard(s, req);
  if (ref) {
    if (refs.size >= CARD_REFS_MAX) refs.delete(refs.keys().next().value as string);
    refs.set(key, ref);
  } else refs.delete(key);
  return ref;
}

function txData(chip: ChipData) {
  return {
    amountAuthorized: chip.amountAuthorized,
    amountOther: chip.amountOther,
    terminalCountryCode: chip.terminalCountryCode,
    tvr: chip.tvr,
    transactionCurrencyCode: chip.transactionCurrencyCode,
    transactionDate: chip.transactionDate,
    transactionType: chip.transactionType,
    unpredictableNumber: chip.unpredictableNumber,
    aip: chip.aip,
    atc: chip.atc,
    iad: chip.iad,
  };
}

/** Profile V: the tap claims CDCVM (CVR byte 1 bit 8); undefined when the IAD cannot say. */
function vClaimsCdcvm(profile: CvnProfile, chip: ChipData): boolean {
  if (!profile.mobilePinMac) return false;
  try {
    return openvseVCdcvmClaimed(profile.parseIad(chip.iad).cvr);
  } catch {
    return false;
  }
}

/** Profile M: the tap claims CDCVM (CVR byte 4 bit 1, as the CBP TA writes it). */
function mClaimsCdcvm(profile: CvnProfile, chip: ChipData): boolean {
  try {
    return ((profile.parseIad(chip.iad).cvr[3] ?? 0) & 0x01) !== 0;
  } catch {
    return false;
  }
}

/**
 * The cardholder verification of a cloud card's tap, as the issuer finds it (docs/cdcvm.md):
 * 'verified' (profile M with a mobile PIN: a valid cryptogram proves it; profile V: the PIN MAC
 * of its CDCVM claim is right), 'wrong' (profile V: the PIN MAC is wrong), 'unverifiable' (a CDCVM
 * claim on a card without a mobile PIN), 'none' (no claim; plain cards always).
 */
function cdcvmOf(
  card: CardRow,
  profile: CvnProfile,
  chip: ChipData,
  crypto: { mobilePinValid?: boolean },
): 'verified' | 'wrong' | 'unverifiable' | 'none' {
  if (card.cardType !== 'cloud') return 'none';
  const hasPin = card.mobilePinEnc !== null;
  if (card.profile === 'M') {
    if (hasPin) return 'verified';
    return mClaimsCdcvm(profile, chip) ? 'unverifiable' : 'none';
  }
  if (!vClaimsCdcvm(profile, chip)) return 'none';
  if (!hasPin) return 'unverifiable';
  return crypto.mobilePinValid === true ? 'verified' : 'wrong';
}

function verifyAndArpc(
  s: Services,
  card: CardRow,
  profile: CvnProfile,
  chip: ChipData,
  decision?: Decision,
): { valid: boolean; acValid: boolean; mdValid?: boolean; mobilePinValid?: boolean; arpc?: Uint8Array } {
  const pan = keyPan(s, card);
  // Profile V's CDCVM claim carries a MAC with the mobile PIN mixed in: check it with the PIN.
  const mobilePin =
    card.mobilePinEnc !== null && vClaimsCdcvm(profile, chip)
      ? s.keys.decryptSecret('mobile-pin', card.cardId, card.mobilePinEnc)
      : undefined;
  return s.keys.withIssuerKeys((k) => {
    const r = issuerVerifyCryptogram(profile, {
      ...txData(chip),
      imkAc: k.imkAc,
      imkMd: profile.mdCryptogram ? k.imkMd : undefined,
      pan,
      psn: card.psn,
      arqc: chip.arqc,
      ...(mobilePin !== undefined ? { mobilePin } : {}),
      ...(decision && profile.arpc.method === 1 ? { arc: ARC[decision] } : {}),
      ...(decision && profile.arpc.method === 2 ? { csu: CSU[decision] } : {}),
    });
    return {
      valid: r.valid,
      acValid: r.acValid,
      mdValid: r.mdValid,
      mobilePinValid: r.mobilePinValid,
      arpc: r.arpc,
    };
  });
}

/** What the verdict is made from: the tap as read, and the facts read for it in one go. */
interface Gathered {
  chip: ReturnType<typeof readChipData>;
  facts?: AuthorizationFacts;
  existing?: AuthorizationRow;
}

/**
 * Reads everything the verdict needs (docs/scaling.md "One authorization, two round trips"): the
 * card reference from the cache, then one facts query — the stored answer under the idempotency
 * key, the card's current row, the ATC ledger, the SUK / LUK of this tap, and what the fraud
 * engine reads.
 */
async function gather(s: Services, req: AuthorizationRequest, now: number): Promise<Gathered> {
  const chip = readChipData(req.chipData);
  for (let fresh = false; ; fresh = true) {
    const ref = await findCardRef(s, req, fresh);
    if (!ref) {
      const existing = await s.store.getAuthorizationByKey(req.idempotencyKey);
      return { chip, ...(existing ? { existing } : {}) };
    }
    let api: string | undefined;
    if (!('problem' in chip) && ref.cardType === 'cloud' && ref.profile === 'V') {
      const profile = selectCvnProfile(ref, chip.iad);
      api = profile?.parseIad(chip.iad).api;
    }
    const riskQuery = s.risk.factsQuery?.(now);
    const facts = await s.store.authorizationFacts({
      idempotencyKey: req.idempotencyKey,
      cardId: ref.cardId,
      atc: 'problem' in chip ? -1 : chip.atc,
      ...(api !== undefined ? { api } : {}),
      ...(riskQuery ? { risk: riskQuery } : {}),
    });
    if (!fresh && ref.byFundingPan && facts.card?.status === 'DELETED' && !facts.existing) continue;
    return { chip, facts, ...(facts.existing ? { existing: facts.existing } : {}) };
  }
}

async function evaluate(
  s: Services,
  req: AuthorizationRequest,
  id: string,
  g: Gathered,
  now: number,
): Promise<Verdict> {
  const facts = g.facts;
  const card = facts?.card;
  if (!facts || !card) return decline(DeclineReason.UNKNOWN_TOKEN);
  if (card.status === 'DELETED') return decline(DeclineReason.TOKEN_DELETED, { card });
  if (card.status === 'SUSPENDED') return decline(DeclineReason.TOKEN_SUSPENDED, { card });
  const chip = g.chip;
  if ('problem' in chip) return decline(DeclineReason.CHIP_DATA_INVALID, { card });
  if (chip.amount !== req.amount) return decline(DeclineReason.AMOUNT_MISMATCH, { card, chip });
  if (chip.currency !== req.currency) return decline(DeclineReason.CURRENCY_MISMATCH, { card, chip });
  const psn = req.panSequence ?? chip.psn;
  if (psn !== undefined && psn !== card.psn) return decline(DeclineReason.PSN_MISMATCH, { card, chip });
  if (!expiryValid(card.expiry, now)) return decline(DeclineReason.CARD_EXPIRED, { card, chip });
  const profile = selectCvnProfile(card, chip.iad);
  if (!profile) return decline(DeclineReason.CVN_UNSUPPORTED, { card, chip });
  if (chip.cid !== undefined && (chip.cid & 0xc0) !== 0x80)
    return decline(DeclineReason.CARD_AAC, { card, chip, profile });

  let crypto: ReturnType<typeof verifyAndArpc>;
  try {
    crypto = verifyAndArpc(s, card, profile, chip);
  } catch (e) {
    // The chip data passed the TLV and IAD checks but not the profile's own (e.g. Mastercard
    // CVN 17/21 without counters): a malformed request, declined and stored, never a 500.
    if (e instanceof EmvError) return decline(DeclineReason.CHIP_DATA_INVALID, { card, chip, profile });
    throw e;
  }
  if (!crypto.valid) {
    // UMD wrong, MD right: the device is genuine but the PIN mixed back in was wrong. Only
    // meaningful for a card that has a mobile PIN; otherwise it is a forged cryptogram.
    const wrongPin =
      profile.mdCryptogram && card.mobilePinEnc !== null && crypto.mdValid === true && !crypto.acValid;
    return decline(wrongPin ? DeclineReason.WRONG_MOBILE_PIN : DeclineReason.CRYPTOGRAM_INVALID, {
      card,
      chip,
      profile,
      ...(wrongPin ? { mobilePin: 'wrong' as const } : {}),
    });
  }
  const base = { card, chip, profile, cryptoValid: true };

  // ATC: replay, then (profile M) a server-issued unused SUK, then the window.
  const highest = facts.highestAtc;
  if (facts.atcSeen) return decline(DeclineReason.ATC_REPLAY, base);
  if (card.cardType === 'cloud' && card.profile === 'M') {
    const suk = facts.suk;
    if (!suk) return decline(DeclineReason.ATC_NOT_ISSUED, base);
    if (suk.status === 'USED') return decline(DeclineReason.ATC_REPLAY, base);
    if (suk.status === 'DISCARDED') return decline(DeclineReason.CREDENTIAL_DISCARDED, base);
  }
  const { behind, ahead } = s.config.atcWindow;
  const top = highest ?? 0;
  if (chip.atc < top - behind || chip.atc > top + ahead)
    return decline(DeclineReason.ATC_OUT_OF_WINDOW, base);

  // Profile V: the LUK named by the API in the IAD, and its thresholds.
  let luk: LukRow | undefined;
  if (card.cardType === 'cloud' && card.profile === 'V') {
    luk = facts.luk;
    if (!luk || luk.api !== profile.parseIad(chip.iad).api) return decline(DeclineReason.LUK_UNKNOWN, base);
    if (luk.retiredAt !== null) return decline(DeclineReason.LUK_RETIRED, base);
    if (
      now > luk.notAfter ||
      luk.usedCount >= luk.maxTransactions ||
      luk.usedAmount + req.amount > luk.maxAmount
    )
      return decline(DeclineReason.LUK_THRESHOLD, { ...base, spendAtc: true, luk });
  }

  // Cardholder verification: a wrong mobile PIN is declined (and counted) whatever the amount;
  // above the CVM limit only a verified one counts, whatever the terminal accepted.
  const cdcvm = cdcvmOf(card, profile, chip, crypto);
  const spent = { ...base, spendAtc: true, luk, countLuk: luk ? ('count' as const) : undefined };
  if (cdcvm === 'wrong') return decline(DeclineReason.WRONG_MOBILE_PIN, { ...spent, mobilePin: 'wrong' });
  const overCvmLimit = card.cardType === 'cloud' && req.amount > s.config.cardDefaults.cvmLimit;
  if (cdcvm === 'unverifiable' || (overCvmLimit && cdcvm !== 'verified'))
    return decline(DeclineReason.CDCVM_UNVERIFIED, spent);
  const pinVerified =
    cdcvm === 'verified' && card.mobilePinEnc !== null ? { mobilePin: 'verified' as const } : {};

  const risk = await s.risk.assess({
    authorizationId: id,
    cardId: card.cardId,
    profile: card.profile,
    cardType: card.cardType,
    deviceId: card.deviceId,
    cvnProfile: profile.id,
    atc: chip.atc,
    highestAtc: highest,
    amount: req.amount,
    currency: req.currency,
    luk: luk && {
      api: luk.api,
      usedCount: luk.usedCount,
      usedAmount: luk.usedAmount,
      maxTransactions: luk.maxTransactions,
      maxAmount: luk.maxAmount,
    },
    now,
    ...(facts.risk ? { facts: facts.risk } : {}),
  });
  const recorded = risk.record ? { riskDecision: risk.record } : {};
  if (risk.decision === 'DECLINE') {
    const reasons = risk.reasons.length > 0 ? risk.reasons : [DeclineReason.RISK_DECLINE];
    return {
      ...base,
      decision: 'DECLINE',
      reasons,
      spendAtc: true,
      luk,
      countLuk: luk ? 'count' : undefined,
      ...pinVerified,
      ...recorded,
    };
  }
  return {
    ...base,
    decision: 'APPROVE',
    reasons: risk.reasons,
    spendAtc: true,
    luk,
    countLuk: luk ? 'amount' : undefined,
    ...pinVerified,
    ...recorded,
  };
}

function respond(s: Services, id: string, v: Verdict): AuthorizationResponse {
  const reason = v.decision === 'APPROVE' ? 'APPROVED' : v.reasons[0]!;
  const out: AuthorizationResponse = {
    authorizationId: id,
    decision: v.decision,
    reason,
    reasons: v.decision === 'APPROVE' ? ['APPROVED', ...v.reasons] : v.reasons,
    responseCode: v.decision === 'APPROVE' ? '00' : '05',
  };
  if (v.chip) out.atc = v.chip.atc;
  if (v.profile) out.cvn = v.profile.id;
  if (v.cryptoValid && v.card && v.profile && v.chip) {
    const r = verifyAndArpc(s, v.card, v.profile, v.chip, v.decision);
    if (r.arpc) {
      out.arpc = bytesToHex(r.arpc);
      const tail = v.profile.arpc.method === 1 ? ARC[v.decision] : CSU[v.decision];
      out.issuerAuthenticationData = out.arpc + tail;
    }
  }
  return out;
}

function plan(
  req: AuthorizationRequest,
  hash: string,
  id: string,
  v: Verdict,
  body: AuthorizationResponse,
  now: number,
) {
  const authorization: AuthorizationRow = {
    id,
    idempotencyKey: req.idempotencyKey,
    requestHash: hash,
    cardId: v.card?.cardId ?? null,
    atc: v.chip?.atc ?? null,
    amount: req.amount,
    currency: req.currency,
    cryptogram: v.chip ? bytesToHex(v.chip.arqc) : null,
    decision: v.decision,
    reason: body.reason,
    arpc: body.arpc ?? null,
    responseJson: JSON.stringify(body),
    createdAt: now,
    // What the dashboard shows of it (storage migration 7): where it was paid, and from which device.
    merchantId: req.merchantId ?? null,
    terminalId: req.terminalId ?? null,
    deviceId: v.card?.deviceId ?? null,
  };
  const p: AuthorizationPlan = { authorization };
  if (v.spendAtc && v.card && v.chip) {
    p.ledger = {
      cardId: v.card.cardId,
      atc: v.chip.atc,
      api: v.luk?.api ?? null,
      un: bytesToHex(v.chip.unpredictableNumber),
      amount: req.amount,
      authorizationId: id,
      decision: v.decision,
      createdAt: now,
    };
    if (v.card.cardType === 'cloud' && v.card.profile === 'M')
      p.consumeSuk = { cardId: v.card.cardId, atc: v.chip.atc };
    if (v.luk && v.countLuk)
      p.consumeLuk = {
        cardId: v.card.cardId,
        api: v.luk.api,
        amount: req.amount,
        countAmount: v.countLuk === 'amount',
      };
  }
  if (v.mobilePin && v.card) p.mobilePin = { cardId: v.card.cardId, outcome: v.mobilePin };
  if (v.riskDecision) p.riskDecision = v.riskDecision;
  return p;
}

function replay(existing: AuthorizationRow, hash: string): AuthorizationResponse {
  if (existing.requestHash !== hash)
    throw new ServerError(
      ApiErrorCode.IDEMPOTENCY_CONFLICT,
      'idempotencyKey was already used for a different request',
    );
  return JSON.parse(existing.responseJson) as AuthorizationResponse;
}

/**
 * After a wrong mobile PIN: when the card has run out of tries, the token is suspended (and the
 * device told, as any suspension); the issuer's resume gives the tries back (docs/cdcvm.md).
 */
async function suspendWhenOutOfTries(s: Services, cardId: string): Promise<void> {
  const card = await s.store.getCard(cardId);
  if (card?.status !== 'ACTIVE' || card.mobilePinFailures < s.config.cardDefaults.mobilePinTries) return;
  try {
    await changeLifecycle(s, cardId, 'suspend');
  } catch (e) {
    // Suspended or deleted meanwhile by someone else: the outcome is the same.
    if (!(e instanceof ServerError && e.code === ApiErrorCode.CARD_STATE)) throw e;
  }
}

/** Authorizes one request; the answer is stored before it is returned. */
export async function authorize(s: Services, req: AuthorizationRequest): Promise<AuthorizationResponse> {
  const hash = requestHash(req);
  const now = s.clock.now();
  const g = await gather(s, req, now);
  if (g.existing) return replay(g.existing, hash);
  const id = randomUUID();
  let v = await evaluate(s, req, id, g, now);
  for (let attempt = 0; attempt < 4; attempt++) {
    const body = respond(s, id, v);
    const p = plan(req, hash, id, v, body, s.clock.now());
    const r = await s.store.commitAuthorization(p);
    switch (r.kind) {
      case 'stored':
        // Stored: now the world may hear of it (the dashboard's live feed, other consumers).
        publishAuthorizationDecision(s, p.authorization);
        if (p.riskDecision) publishRiskDecision(s, p.riskDecision);
        if (v.mobilePin === 'wrong' && v.card) await suspendWhenOutOfTries(s, v.card.cardId);
        return body;
      case 'idempotent':
        return replay(r.existing, hash);
      case 'atc-replay':
      case 'suk-unavailable':
        // Lost a race for this ATC / SUK: the ATC is already spent by another authorization.
        v = {
          ...v,
          decision: 'DECLINE',
          reasons: [DeclineReason.ATC_REPLAY],
          spendAtc: false,
          countLuk: undefined,
          mobilePin: undefined,
        };
        break;
      case 'luk-threshold':
        v = { ...v, decision: 'DECLINE', reasons: [DeclineReason.LUK_THRESHOLD], countLuk: undefined };
        break;
    }
  }
  throw new ServerError(ApiErrorCode.INTERNAL, 'authorization could not be stored');
}
