/**
 * The per-device message outbox (docs/design.md "Server ↔ TA messages": `seq` strictly
 * increasing per device over all types; docs/cbp-protocol.md §2). The sequence number is
 * allocated by the database (`UPDATE devices SET last_seq = last_seq + 1 … RETURNING`), so two
 * server instances never hand out the same one; the message is sealed with it and stored under
 * PRIMARY KEY (device, seq). The wallet fetches what it missed with
 * GET /v1/devices/:deviceId/messages?after=<seq>.
 */
import type { MessageType, QueuedMessage } from '@openvse/protocol';
import type { DeviceRow, OutboxRow } from '../domain/devices.js';
import type { Services } from '../services.js';
import { type MessageBodies, sealServerMessage } from './server-message.js';

/** A sealed message not yet stored: its outbox row and the answer that relays it. */
export interface SealedMessage {
  row: OutboxRow;
  queued: QueuedMessage;
}

/**
 * Seals a message of type `typ` with the device's next seq, without storing it (credential
 * issuance stores it in the transaction that stores the credentials, devices/provision.ts). A
 * seq allocated for a message that is then never stored is a gap, which the TA accepts (it only
 * needs seq above the last one it processed).
 */
export async function sealMessage<T extends MessageType>(
  s: Services,
  device: DeviceRow,
  typ: T,
  cardId: string | null,
  body: MessageBodies[T],
): Promise<SealedMessage> {
  const seq = await s.store.allocateSeq(device.deviceId);
  const now = s.clock.now();
  const sealed = await sealServerMessage(s.keys, device, typ, seq, body, now, s.config.messageTtlSeconds);
  const row: OutboxRow = {
    deviceId: device.deviceId,
    seq,
    typ,
    cardId,
    message: sealed.jwe,
    createdAt: now,
    expiresAt: sealed.exp * 1000,
  };
  return { row, queued: queuedMessage(row) };
}

/** The answer that relays a stored outbox row. */
export function queuedMessage(row: OutboxRow): QueuedMessage {
  return { seq: row.seq, typ: row.typ, cardId: row.cardId, message: row.message, expiresAt: row.expiresAt };
}

/** Seals a message of type `typ` with the device's next seq and stores it in the outbox. */
export async function queueMessage<T extends MessageType>(
  s: Services,
  device: DeviceRow,
  typ: T,
  cardId: string | null,
  body: MessageBodies[T],
): Promise<QueuedMessage> {
  const m = await sealMessage(s, device, typ, cardId, body);
  await s.store.insertMessage(m.row);
  return m.queued;
}
