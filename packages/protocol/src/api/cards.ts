/**
 * The issuer's and token requestor's card routes (docs/server-api.md "Cards"): digitization
 * and the card view every card route answers with.
 */
import type { CardProfileKind } from '../messages/card-profile.js';

/** A cloud card (tokenized, served by the CBP TA) or a plain card (for terminal tests). */
export type CardType = 'cloud' | 'plain';
/** Token status. */
export type CardStatus = 'ACTIVE' | 'SUSPENDED' | 'DELETED';

/** `POST /v1/cards` body. */
export interface DigitizeRequest {
  fundingPan: string;
  /** YYMM */
  expiry: string;
  profile: CardProfileKind;
  cardType?: CardType;
  psn?: string;
  /**
   * The cardholder's mobile PIN (4–8 digits; cloud cards): the CDCVM the issuer checks
   * (docs/cdcvm.md). Profile M: the SUKs are mixed with it (every tap needs it); profile V: a tap
   * above the CVM limit carries a MAC under the LUK with it mixed in.
   */
  mobilePin?: string;
}

/** A card as the card routes show it (never the funding PAN). */
export interface CardView {
  cardId: string;
  tokenPan?: string;
  fundingPanLast4: string;
  psn: string;
  expiry: string;
  profile: CardProfileKind;
  cardType: CardType;
  status: CardStatus;
  mobilePin: boolean;
  deviceId?: string;
  /**
   * Only in the answer to digitization (cloud cards) and to a new activation: the one-time code
   * the token requestor hands to the cardholder's wallet after ID&V; provisioning the card to a
   * device needs it (docs/server-api.md "Activation").
   */
  activation?: ActivationCode;
}

/** A one-time activation code for provisioning a card (docs/server-api.md "Activation"). */
export interface ActivationCode {
  /** 16 random bytes, base64url (22 characters). */
  code: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

/** The body of POST /v1/devices/:deviceId/cards/:cardId/provision. */
export interface ProvisionRequest {
  /** Needed unless the card is already bound to this device (then the call is idempotent). */
  activationCode?: string;
}
