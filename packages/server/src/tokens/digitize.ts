/**
 * Digitization (docs/design.md "Tokenization and authorization"): a funding PAN (Luhn-checked)
 * with its expiry and a profile V | M becomes a card record with a token PAN from the profile's token
 * BIN range and a cardId (the token unique reference, docs/cbp-protocol.md §2 `cardId`). The
 * funding PAN is stored only as an AES-256-GCM envelope plus a keyed hash. `cardType: 'plain'`
 * registers a physical (non-tokenized) card, profile V = Visa, M = Mastercard CVNs, whose keys
 * come from the funding PAN the same way; it has no token PAN.
 */
import { randomBytes } from 'node:crypto';
import { isLuhnValid } from '@openvse/emv/codec';
import { ApiErrorCode, type CardView, type DigitizeRequest } from '@openvse/protocol';
import type { CardRow } from '../domain/cards.js';
import { ServerError } from '../errors.js';
import type { Services } from '../services.js';
import { issueActivationCode } from './activation.js';
import { generateTokenPan } from './token-pan.js';

/** A fresh card id (the token unique reference). */
export function newCardId(): string {
  return `tok-${randomBytes(15).toString('base64url')}`;
}

/** YYMM → true when the card is still valid at `now` (valid through the end of the month). */
export function expiryValid(expiry: string, now: number): boolean {
  if (!/^[0-9]{4}$/.test(expiry)) return false;
  const yy = Number(expiry.slice(0, 2));
  const mm = Number(expiry.slice(2));
  if (mm < 1 || mm > 12) return false;
  return now < Date.UTC(2000 + yy, mm, 1);
}

/** The card as the card routes show it (the funding PAN only as its last four digits). */
export function cardView(s: Services, c: CardRow): CardView {
  const funding = s.keys.decryptSecret('funding-pan', c.cardId, c.fundingPanEnc);
  const v: CardView = {
    cardId: c.cardId,
    fundingPanLast4: funding.slice(-4),
    psn: c.psn,
    expiry: c.expiry,
    profile: c.profile,
    cardType: c.cardType,
    status: c.status,
    mobilePin: c.mobilePinEnc !== null,
  };
  if (c.cardType === 'cloud') v.tokenPan = c.tokenPan;
  if (c.deviceId) v.deviceId = c.deviceId;
  return v;
}

/** Registers a funding card as a token (or a plain card); answers its view. */
export async function digitize(s: Services, input: DigitizeRequest): Promise<CardView> {
  const cardType = input.cardType ?? 'cloud';
  if (!isLuhnValid(input.fundingPan))
    throw new ServerError(ApiErrorCode.PAN_INVALID, 'fundingPan: not a Luhn-valid PAN of 12–19 digits');
  const now = s.clock.now();
  if (!expiryValid(input.expiry, now))
    throw new ServerError(ApiErrorCode.EXPIRY_INVALID, 'expiry: expected YYMM, not in the past');
  if (input.mobilePin !== undefined && cardType !== 'cloud')
    throw new ServerError(ApiErrorCode.VALIDATION, 'mobilePin: only for cloud cards');
  const hash = s.keys.panHash(input.fundingPan);
  if (cardType === 'plain') {
    const existing = await s.store.getCardsByFundingHash(hash);
    if (existing.some((c) => c.cardType === 'plain' && c.status !== 'DELETED'))
      throw new ServerError(ApiErrorCode.CARD_DUPLICATE, 'this plain card is already registered');
  }
  const range = s.config.tokenBins[input.profile];
  for (let attempt = 0; attempt < 16; attempt++) {
    const cardId = newCardId();
    let tokenPan = cardType === 'plain' ? `plain:${cardId}` : generateTokenPan(range);
    if (tokenPan === input.fundingPan) tokenPan = generateTokenPan(range);
    const row: CardRow = {
      cardId,
      tokenPan,
      psn: input.psn ?? '00',
      fundingPanEnc: s.keys.encryptSecret('funding-pan', cardId, input.fundingPan),
      fundingPanHash: hash,
      expiry: input.expiry,
      profile: input.profile,
      cardType,
      status: 'ACTIVE',
      deviceId: null,
      mobilePinEnc:
        input.mobilePin === undefined ? null : s.keys.encryptSecret('mobile-pin', cardId, input.mobilePin),
      mobilePinFailures: 0,
      kdi: s.config.cardDefaults.kdi,
      nextAtc: 1,
      createdAt: now,
      updatedAt: now,
    };
    if (await s.store.insertCard(row))
      return cardType === 'cloud'
        ? { ...cardView(s, row), activation: await issueActivationCode(s, cardId) }
        : cardView(s, row);
  }
  throw new ServerError(ApiErrorCode.TOKEN_SPACE_EXHAUSTED, 'could not allocate a free token PAN');
}

/** The PAN the card's keys are derived from: the token PAN, or the funding PAN of a plain card. */
export function keyPan(s: Services, c: CardRow): string {
  return c.cardType === 'plain' ? s.keys.decryptSecret('funding-pan', c.cardId, c.fundingPanEnc) : c.tokenPan;
}
