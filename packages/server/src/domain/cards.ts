/**
 * Cards and their credentials as the server records them (docs/design.md "Tokenization and
 * authorization", "Cards, keys and cryptograms"; docs/cbp-protocol.md §2 `credentials`): the card
 * or token, the LUKs issued to a profile V card, the SUKs issued to a profile M card, and the
 * dashboard's key inventory of a card. Times are epoch milliseconds; secret columns hold
 * AES-256-GCM envelopes (keys/envelope.ts), never plaintext.
 */
import type { CardProfileKind, CardStatus, CardType } from '@openvse/protocol';
import type { OutboxRow } from './devices.js';

/** What became of a SUK the server issued. */
export type SukStatus = 'UNUSED' | 'USED' | 'DISCARDED';

/** A card: a token with its funding PAN, or a plain card (table `cards`). */
export interface CardRow {
  cardId: string;
  tokenPan: string;
  psn: string;
  /** Envelope of the funding PAN (AAD = cardId). */
  fundingPanEnc: string;
  /** HMAC-SHA256 of the funding PAN under a KEK-derived key (lookup without decrypting). */
  fundingPanHash: string;
  expiry: string;
  profile: CardProfileKind;
  cardType: CardType;
  status: CardStatus;
  deviceId: string | null;
  /** Envelope of the mobile PIN (the cardholder's CDCVM; docs/cdcvm.md), or null. */
  mobilePinEnc: string | null;
  /** Wrong mobile PINs in a row since the last verified one (the server writes it; 0 on insert). */
  mobilePinFailures: number;
  kdi: string;
  /** Profile M: the next ATC the server will assign. */
  nextAtc: number;
  createdAt: number;
  updatedAt: number;
}

/** A profile V limited-use key the server issued, with its thresholds and use (table `luks`). */
export interface LukRow {
  cardId: string;
  api: string;
  dki: string;
  maxTransactions: number;
  notAfter: number;
  maxAmount: number;
  issuedAt: number;
  retiredAt: number | null;
  usedCount: number;
  usedAmount: number;
}

/** A profile M single-use key the server issued for one ATC (table `suks`). */
export interface SukRow {
  cardId: string;
  atc: number;
  status: SukStatus;
  issuedAt: number;
}

/**
 * One credential issuance, written in one transaction or not at all (devices/provision.ts;
 * docs/decisions.md "CBP server"). Guards, in this order: the outgoing LUK is retired only if
 * it is still current (`claimApi`, replenishment of profile V); the card is bound to the device
 * only if it is ACTIVE and unbound (`card: 'bind'`, provisioning) or must be ACTIVE and bound to
 * it already (`card: 'bound'`, replenishment). Then the new LUK or SUKs and the messages that
 * carry them are inserted.
 */
export interface IssuancePlan {
  cardId: string;
  deviceId: string;
  card: 'bind' | 'bound';
  claimApi?: string;
  luk?: LukRow;
  suks?: SukRow[];
  messages: OutboxRow[];
  now: number;
  /**
   * A single-use nonce spent in the same transaction (the activation code of a first
   * provisioning, tokens/activation.ts): unused and unexpired, or nothing is stored.
   */
  spendNonce?: { nonce: string; kind: string };
}

/** Key inventory of a card (dashboard). */
export interface CardInventory {
  card: CardRow;
  luks: LukRow[];
  suks: { unused: number; used: number; discarded: number };
  credentialMessages: number;
}
