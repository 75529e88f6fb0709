/**
 * A profile V card on a reporting device, and taps with real cryptograms (helpers/card.ts) for
 * the fraud and dashboard tests. The cards have a mobile PIN, which the taps above the CVM limit
 * (5000, the server default) carry, as the CBP TA does.
 */
import type { FastifyInstance } from 'fastify';
import { chipV } from '../helpers/card.js';
import { digitize, post } from '../helpers/server.js';
import { b64uToBytes } from '../helpers/test-ta.js';
import type { Reporter } from '../threats/reporter.js';

let n = 0;
export const idem = () => `fraud-${process.pid}-${Date.now()}-${++n}`;

export interface VCard {
  cardId: string;
  tokenPan: string;
  luk: Uint8Array;
  api: string;
  atc: number;
}

/** The cardholder's mobile PIN of every card here. */
export const MOBILE_PIN = '2468';
const CVM_LIMIT = 5000;

export async function provisionV(app: FastifyInstance, dev: Reporter, fundingPan = '4111111111111111') {
  const d = await digitize(app, { profile: 'V', fundingPan, mobilePin: MOBILE_PIN });
  if (d.status !== 201) throw new Error(`digitize: ${JSON.stringify(d.body)}`);
  const p = await post(app, `/v1/devices/${dev.deviceId}/cards/${d.body.cardId}/provision`, {
    activationCode: d.body.activation.code,
  });
  if (p.status !== 200) return { status: p.status, body: p.body, card: undefined };
  const cred = await dev.ta.open(p.body.messages[1].message);
  const luk = cred.payload.luk as { key: string; api: string };
  const card: VCard = {
    cardId: d.body.cardId,
    tokenPan: d.body.tokenPan,
    luk: b64uToBytes(luk.key),
    api: luk.api,
    atc: 0,
  };
  return { status: p.status, body: p.body, card };
}

/** One tap: the next ATC (or `atc`), a real cryptogram, POST /v1/authorizations. */
export async function tap(app: FastifyInstance, c: VCard, amount: number, atc = c.atc + 1) {
  c.atc = Math.max(c.atc, atc);
  const tx = { amount };
  const pin = amount > CVM_LIMIT ? { mobilePin: MOBILE_PIN } : {};
  const chip = chipV({ luk: c.luk, api: c.api, atc, tx, ...pin });
  return post(app, '/v1/authorizations', {
    idempotencyKey: idem(),
    tokenPan: c.tokenPan,
    chipData: chip.chipData,
    amount,
    currency: '978',
  });
}
