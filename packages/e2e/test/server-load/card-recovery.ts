/**
 * A profile V card's way back to a live LUK after a replenish answer was lost (the server killed,
 * the connection reset), as a wallet does it (docs/cbp-protocol.md §3, docs/design.md "Profile
 * V"): the device's outbox is fetched and the newest `credentials` message for the card is
 * applied by the TA unless it already was. Used by the crash and many-instances suites; one
 * device per card there, so that the newest credentials of the device's card are the card's.
 */
import assert from 'node:assert/strict';
import type { Http, Wallet } from '@openvse/test-bench';

interface OutboxMessage {
  seq: number;
  typ: string;
  cardId: string;
  message: string;
}

/** Applies the card's newest queued credentials if the TA has not; true when it applied them. */
export async function adoptNewestCredentials(http: Http, w: Wallet): Promise<boolean> {
  const m = await http.get(`/v1/devices/${w.ta.deviceId}/messages?after=0&limit=100`);
  assert.equal(m.status, 200, m.text);
  const creds = (m.body.messages as OutboxMessage[])
    .filter((x) => x.typ === 'credentials' && x.cardId === w.cardId)
    .sort((x, y) => y.seq - x.seq);
  assert.ok(creds.length > 0, `wallet ${w.index}: no credentials in the outbox`);
  if (creds[0]!.seq <= w.ta.lastSeq) return false;
  await w.ta.apply([creds[0]!]);
  return true;
}
