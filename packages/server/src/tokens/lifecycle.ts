/**
 * Token lifecycle (docs/design.md "Tokenization and authorization": ACTIVE / SUSPENDED /
 * DELETED; docs/cbp-protocol.md §2 `lifecycle`): suspend (ACTIVE → SUSPENDED), resume (SUSPENDED →
 * ACTIVE), delete (→ DELETED, final: the card's LUKs are retired and unused SUKs discarded).
 * The status change is stored first, then a signed `lifecycle` message is queued to the device
 * the card is provisioned to. Authorizations read the status, so a suspended token is declined
 * at once even before the device has the message.
 */

import { ApiErrorCode, type CardStatus, type LifecycleAction, type QueuedMessage } from '@openvse/protocol';
import { requireCard } from '../devices/provision.js';
import { ServerError } from '../errors.js';
import { queueMessage } from '../messages/outbox.js';
import type { Services } from '../services.js';

const TARGET: Record<LifecycleAction, CardStatus> = {
  suspend: 'SUSPENDED',
  resume: 'ACTIVE',
  delete: 'DELETED',
};
const FROM: Record<LifecycleAction, CardStatus[]> = {
  suspend: ['ACTIVE'],
  resume: ['SUSPENDED'],
  delete: ['ACTIVE', 'SUSPENDED'],
};

/** The answer of a lifecycle route: the card's new status and the message queued to its device. */
export interface LifecycleResult {
  cardId: string;
  status: CardStatus;
  /** The `lifecycle` message, when the card is provisioned to a device (else empty). */
  messages: QueuedMessage[];
}

/** Applies `action` to the card and queues the `lifecycle` message to its device. */
export async function changeLifecycle(
  s: Services,
  cardId: string,
  action: LifecycleAction,
): Promise<LifecycleResult> {
  const card = await requireCard(s, cardId);
  if (!FROM[action].includes(card.status))
    throw new ServerError(ApiErrorCode.CARD_STATE, `cannot ${action} a card that is ${card.status}`);
  const now = s.clock.now();
  const updated = await s.store.setCardStatus(cardId, TARGET[action], now);
  if (!updated) throw new ServerError(ApiErrorCode.CARD_STATE, 'card was deleted concurrently');
  if (action === 'delete') {
    await s.store.retireLuks(cardId, now);
    await s.store.discardSuks(cardId);
  }
  const messages: QueuedMessage[] = [];
  if (updated.deviceId) {
    const device = await s.store.getDevice(updated.deviceId);
    if (device) messages.push(await queueMessage(s, device, 'lifecycle', cardId, { cardId, action }));
  }
  return { cardId, status: updated.status, messages };
}
