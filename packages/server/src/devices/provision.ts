/**
 * Provisioning a card to an enrolled device (docs/cbp-protocol.md §2): binds the card to the
 * device, queues a `provision` message (the card profile) and a first `credentials` message
 * (profile V: one LUK with thresholds; profile M: a batch of SUKs for server-assigned ATCs),
 * both JWS-in-JWE to the TA, and returns them for the SDK to relay. Issuance is atomic: the
 * guards (conditional bind, claim of the outgoing LUK), the new credentials and their message
 * commit in one transaction, so that it holds across server instances (docs/decisions.md).
 */

import { ApiErrorCode, type QueuedMessage } from '@openvse/protocol';
import { prepareLuk, prepareSuks, wipeIssued } from '../credentials/issue.js';
import { credentialsBody } from '../credentials/message-body.js';
import type { CardRow, LukRow, SukRow } from '../domain/cards.js';
import type { DeviceRow } from '../domain/devices.js';
import { ServerError } from '../errors.js';
import { gateProvisioning } from '../fraud/gate.js';
import { queuedMessage, type SealedMessage, sealMessage } from '../messages/outbox.js';
import type { Services } from '../services.js';
import { activationNonce } from '../tokens/activation.js';
import { buildCardProfile } from './card-profile.js';
import { requireDevice } from './enrollment.js';

/** The card, or ERR_CARD_NOT_FOUND. */
export async function requireCard(s: Services, cardId: string): Promise<CardRow> {
  const c = await s.store.getCard(cardId);
  if (!c) throw new ServerError(ApiErrorCode.CARD_NOT_FOUND, 'unknown card');
  return c;
}

/** Credentials sealed into their `credentials` message, with the rows to store alongside it. */
interface SealedCredentials {
  message: SealedMessage;
  luk?: LukRow;
  suks?: SukRow[];
}

async function sealCredentials(s: Services, device: DeviceRow, card: CardRow): Promise<SealedCredentials> {
  if (card.profile === 'V') {
    const luk = await prepareLuk(s, card);
    try {
      const body = credentialsBody(card, luk, undefined);
      return { message: await sealMessage(s, device, 'credentials', card.cardId, body), luk: luk.row };
    } finally {
      wipeIssued(luk);
    }
  }
  const suks = await prepareSuks(s, card, s.config.sukBatch);
  try {
    const body = credentialsBody(card, undefined, suks);
    return {
      message: await sealMessage(s, device, 'credentials', card.cardId, body),
      suks: suks.map((k) => k.row),
    };
  } finally {
    wipeIssued(undefined, suks);
  }
}

/**
 * Issues fresh credentials for a card bound to the device and queues the `credentials` message,
 * in one transaction (Store.issueCredentials). Profile V: the outgoing LUK `claimApi` is retired
 * in that transaction only if it is still current; undefined when it is not (another issuance
 * claimed it first, on this or another server instance) or the card is no longer ACTIVE and
 * bound to the device — nothing is then stored.
 */
export async function issueCredentialsMessage(
  s: Services,
  device: DeviceRow,
  card: CardRow,
  claimApi?: string,
): Promise<QueuedMessage | undefined> {
  if (card.profile === 'V' && claimApi === undefined)
    throw new Error('issueCredentialsMessage: profile V needs the outgoing LUK');
  const c = await sealCredentials(s, device, card);
  const ok = await s.store.issueCredentials({
    cardId: card.cardId,
    deviceId: device.deviceId,
    card: 'bound',
    ...(claimApi !== undefined ? { claimApi } : {}),
    ...(c.luk ? { luk: c.luk } : {}),
    ...(c.suks ? { suks: c.suks } : {}),
    messages: [c.message.row],
    now: s.clock.now(),
  });
  return ok ? c.message.queued : undefined;
}

/**
 * Binds the card to the device and queues its `provision` and first `credentials` messages, in
 * one transaction whose guard is the conditional bind (unbound and ACTIVE). A card already bound
 * to this device (before, or by a concurrent request on any instance) is answered with the
 * messages already queued for it and no new credentials; bound to another device:
 * ERR_CARD_BOUND_ELSEWHERE.
 */
export async function provisionCard(
  s: Services,
  deviceId: string,
  cardId: string,
  activationCode?: string,
): Promise<QueuedMessage[]> {
  const device = await requireDevice(s, deviceId);
  const card = await requireCard(s, cardId);
  if (card.cardType !== 'cloud')
    throw new ServerError(ApiErrorCode.CARD_STATE, 'plain cards cannot be provisioned to a device');
  if (card.status !== 'ACTIVE') throw new ServerError(ApiErrorCode.CARD_STATE, `card is ${card.status}`);
  await gateProvisioning(s, device, card);
  // The first provisioning needs the token requestor's activation code (tokens/activation.ts),
  // spent in the binding transaction, once; a retry by the device the card is bound to needs none.
  const spend = activationNonce(card.cardId, activationCode);
  if (card.deviceId === null && spend) {
    const bound: CardRow = { ...card, deviceId: device.deviceId };
    const provision = await sealMessage(s, device, 'provision', card.cardId, {
      card: buildCardProfile(bound, s.config.cardDefaults),
    });
    const credentials = await sealCredentials(s, device, bound);
    const stored = await s.store.issueCredentials({
      cardId: card.cardId,
      deviceId: device.deviceId,
      card: 'bind',
      ...(credentials.luk ? { luk: credentials.luk } : {}),
      ...(credentials.suks ? { suks: credentials.suks } : {}),
      messages: [provision.row, credentials.message.row],
      now: s.clock.now(),
      spendNonce: spend,
    });
    if (stored) return [provision.queued, credentials.message.queued];
  }
  return alreadyProvisioned(s, device, card.cardId);
}

/** The messages already queued for a card bound to this device (idempotent re-provisioning). */
async function alreadyProvisioned(s: Services, device: DeviceRow, cardId: string): Promise<QueuedMessage[]> {
  const card = await requireCard(s, cardId);
  if (card.deviceId === null) {
    // Not bound by anyone: the binding transaction was refused for its activation code.
    if (card.status === 'ACTIVE')
      throw new ServerError(
        ApiErrorCode.ACTIVATION_CODE_INVALID,
        'provisioning this card needs a valid activation code from the token requestor (one use, short-lived)',
      );
    throw new ServerError(ApiErrorCode.CARD_STATE, `card is ${card.status}`);
  }
  if (card.deviceId !== device.deviceId)
    throw new ServerError(ApiErrorCode.CARD_BOUND_ELSEWHERE, 'card is provisioned to another device');
  // As the outbox route, expired messages are not served (the TA would refuse them).
  const now = s.clock.now();
  const messages: QueuedMessage[] = [];
  for (const typ of ['provision', 'credentials'] as const) {
    const m = await s.store.lastCardMessage(device.deviceId, cardId, typ);
    if (m && m.expiresAt > now) messages.push(queuedMessage(m));
  }
  return messages;
}
