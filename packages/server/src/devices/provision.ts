/**
 * Provisioning a card to an enrolled device (docs/cbp-protocol.md §2): binds the card to the
 * device, queues a `provision` message (the card profile) and a first `credentials` message
 * (profile V: one LUK with thresholds; profile M: a batch of SUKs for server-assigned ATCs),
 * both JWS-in-JWE to the TA, and returns them for the SDK to relay.
 */

import { ApiErrorCode, type QueuedMessage } from '@openvse/protocol';
import { issueLuk, issueSuks, wipeIssued } from '../credentials/issue.js';
import { credentialsBody } from '../credentials/message-body.js';
import type { CardRow } from '../domain/cards.js';
import type { DeviceRow } from '../domain/devices.js';
import { ServerError } from '../errors.js';
import { gateProvisioning } from '../fraud/gate.js';
import { queueMessage } from '../messages/outbox.js';
import type { Services } from '../services.js';
import { buildCardProfile } from './card-profile.js';
import { requireDevice } from './enrollment.js';

/** The card, or ERR_CARD_NOT_FOUND. */
export async function requireCard(s: Services, cardId: string): Promise<CardRow> {
  const c = await s.store.getCard(cardId);
  if (!c) throw new ServerError(ApiErrorCode.CARD_NOT_FOUND, 'unknown card');
  return c;
}

/** Issues fresh credentials for the card and queues the `credentials` message. */
export async function issueCredentialsMessage(
  s: Services,
  device: DeviceRow,
  card: CardRow,
): Promise<QueuedMessage> {
  if (card.profile === 'V') {
    const luk = await issueLuk(s, card);
    try {
      const queued = await queueMessage(
        s,
        device,
        'credentials',
        card.cardId,
        credentialsBody(card, luk, undefined),
      );
      // Retire the previous LUKs only now that the new one is durable in the outbox. A crash
      // before this line leaves the TA's LUK current (it pays, and its next statement replenishes
      // again); a crash after it leaves the new LUK for the TA to fetch from the outbox.
      await s.store.retireLuks(card.cardId, s.clock.now(), luk.row.api);
      return queued;
    } finally {
      wipeIssued(luk);
    }
  }
  const suks = await issueSuks(s, card, s.config.sukBatch);
  try {
    return await queueMessage(s, device, 'credentials', card.cardId, credentialsBody(card, undefined, suks));
  } finally {
    wipeIssued(undefined, suks);
  }
}

/** Binds the card to the device and queues its `provision` and first `credentials` messages. */
export async function provisionCard(s: Services, deviceId: string, cardId: string): Promise<QueuedMessage[]> {
  const device = await requireDevice(s, deviceId);
  const card = await requireCard(s, cardId);
  if (card.cardType !== 'cloud')
    throw new ServerError(ApiErrorCode.CARD_STATE, 'plain cards cannot be provisioned to a device');
  if (card.status !== 'ACTIVE') throw new ServerError(ApiErrorCode.CARD_STATE, `card is ${card.status}`);
  await gateProvisioning(s, device, card);
  if (!(await s.store.bindCardDevice(card.cardId, device.deviceId, s.clock.now())))
    throw new ServerError(ApiErrorCode.CARD_BOUND_ELSEWHERE, 'card is provisioned to another device');
  const bound = (await s.store.getCard(card.cardId))!;
  const provision = await queueMessage(s, device, 'provision', card.cardId, {
    card: buildCardProfile(bound, s.config.cardDefaults),
  });
  const credentials = await issueCredentialsMessage(s, device, bound);
  return [provision, credentials];
}
