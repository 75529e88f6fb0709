/**
 * The per-device message outbox (docs/design.md "Server ↔ TA messages": `seq` strictly
 * increasing per device over all types; docs/cbp-protocol.md §2). The sequence number is
 * allocated by the database (`UPDATE devices SET last_seq = last_seq + 1 … RETURNING`), so two
 * server instances never hand out the same one; the message is sealed with it and stored under
 * PRIMARY KEY (device, seq). The wallet fetches what it missed with
 * GET /v1/devices/:deviceId/messages?after=<seq>.
 */
import type { MessageType, QueuedMessage } from '@openvse/protocol';
import type { DeviceRow } from '../domain/devices.js';
import type { Services } from '../services.js';
import { type MessageBodies, sealServerMessage } from './server-message.js';

/** Seals a message of type `typ` with the device's next seq and stores it in the outbox. */
export async function queueMessage<T extends MessageType>(
  s: Services,
  device: DeviceRow,
  typ: T,
  cardId: string | null,
  body: MessageBodies[T],
): Promise<QueuedMessage> {
  const seq = await s.store.allocateSeq(device.deviceId);
  const now = s.clock.now();
  const sealed = await sealServerMessage(s.keys, device, typ, seq, body, now, s.config.messageTtlSeconds);
  const row = {
    deviceId: device.deviceId,
    seq,
    typ,
    cardId,
    message: sealed.jwe,
    createdAt: now,
    expiresAt: sealed.exp * 1000,
  };
  await s.store.insertMessage(row);
  return { seq, typ, cardId, message: sealed.jwe, expiresAt: row.expiresAt };
}
