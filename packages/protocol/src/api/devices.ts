/**
 * Request and response bodies of the device routes of the CBP server (docs/server-api.md
 * "Devices"; docs/cbp-protocol.md §2–§3): the wallet's server client and the server's route
 * handlers are typed by these.
 */
import type { PublicEcJwk } from '../jwk.js';
import type { ProtectionLevel } from '../levels.js';
import type { MessageType } from '../messages/claims.js';

/** `POST /v1/devices/challenge` → a single-use nonce and the server signing key. */
export interface Challenge {
  nonce: string;
  /** Epoch ms. */
  expiresAt: number;
  serverSigningJwk: PublicEcJwk;
  /** RFC 7638 thumbprint of the server signing key. */
  serverKid: string;
}

/** `POST /v1/devices` body. */
export interface EnrollRequest {
  /** V-OS attestation JWS over the challenge nonce. */
  attestation: string;
  /** The V-OS platform identity's public key (pinned for the device). */
  platformJwk: PublicEcJwk;
}

/** `POST /v1/devices` → 201. */
export interface EnrollResult {
  deviceId: string;
  protectionLevel: ProtectionLevel;
  serverSigningJwk: PublicEcJwk;
  serverKid: string;
  lastSeq: number;
}

/** One message of a device's outbox: a compact JWE for the TA. */
export interface QueuedMessage {
  seq: number;
  typ: MessageType;
  cardId: string | null;
  message: string;
  /** Epoch ms after which the TA would refuse it. */
  expiresAt: number;
}

/** Provision, replenish and outbox answers. */
export interface MessagesResult {
  cardId?: string;
  messages: QueuedMessage[];
}

/** `POST /v1/devices/:deviceId/replenish` and `/sync` body. */
export interface StatementRequest {
  /** TA-signed compact JWS. */
  statement: string;
}

/** `POST /v1/devices/:deviceId/sync` → the server's view after a status statement. */
export interface SyncResult {
  deviceId: string;
  stateCounter: string;
  lastSeq: number;
  pendingMessages: number;
  cards: { cardId: string; status: string; profile: string }[];
}
