/**
 * State sync (docs/cbp-protocol.md §3 `status`; docs/design.md "Rollback": every exchange
 * carries the TA's signed monotonic state counter and the server refuses one that goes backwards, with the
 * stable code ERR_STATE_COUNTER_ROLLBACK). The statement's `nonce` must be a challenge the server
 * issued (POST /v1/devices/challenge), used once, so a status cannot be pre-computed.
 */
import { ApiErrorCode, type SyncResult } from '@openvse/protocol';
import { unpadCounter } from '../domain/devices.js';
import { ServerError } from '../errors.js';
import type { Services } from '../services.js';
import { NONCE_KIND, requireDevice } from './enrollment.js';
import { acceptStatement, verifyStatementSignature } from './ta-statement.js';

/** Accepts a `status` statement and answers the server's view of the device. */
export async function syncDevice(s: Services, deviceId: string, statement: string): Promise<SyncResult> {
  const device = await requireDevice(s, deviceId);
  const st = await verifyStatementSignature(s, device, statement, 'status');
  if (typeof st.nonce !== 'string' || !(await s.store.consumeNonce(st.nonce, NONCE_KIND, s.clock.now())))
    throw new ServerError(ApiErrorCode.NONCE_INVALID, 'nonce unknown, expired or already used');
  await acceptStatement(s, device, statement, st);
  const after = (await s.store.getDevice(deviceId))!;
  const taSeq = typeof st.lastSeq === 'number' && Number.isInteger(st.lastSeq) ? st.lastSeq : 0;
  const pending = await s.store.listMessages(deviceId, taSeq, 1000);
  const cards: SyncResult['cards'] = [];
  if (Array.isArray(st.cards))
    for (const c of st.cards as unknown[]) {
      const id = (c as Record<string, unknown> | null)?.cardId;
      if (typeof id !== 'string') continue;
      const card = await s.store.getCard(id);
      if (card && card.deviceId === deviceId)
        cards.push({ cardId: id, status: card.status, profile: card.profile });
    }
  return {
    deviceId,
    stateCounter: unpadCounter(after.lastStateCounter),
    lastSeq: after.lastSeq,
    pendingMessages: pending.length,
    cards,
  };
}
