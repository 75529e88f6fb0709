/**
 * Rows and plans for the storage tests (the records of src/domain/): a card and an authorization
 * plan with the fields every test needs, each test overriding what it is about.
 */
import type { AuthorizationPlan } from '../../src/domain/authorizations.js';
import type { CardRow } from '../../src/domain/cards.js';

/** The time the rows are stamped with. */
export const ROW_TIME = Date.UTC(2026, 10, 28, 6, 0, 0);
const NOW = ROW_TIME;
let seq = 0;

/** An ACTIVE cloud profile V card with a fresh token PAN. */
export function cardRow(id: string, over: Partial<CardRow> = {}): CardRow {
  return {
    cardId: id,
    tokenPan: `48953700000${String(++seq).padStart(5, '0')}`,
    psn: '00',
    fundingPanEnc: 'v1.x.y.z',
    fundingPanHash: `h-${id}`,
    expiry: '2812',
    profile: 'V',
    cardType: 'cloud',
    status: 'ACTIVE',
    deviceId: null,
    mobilePinEnc: null,
    mobilePinFailures: 0,
    kdi: '01',
    nextAtc: 1,
    createdAt: NOW,
    updatedAt: NOW,
    ...over,
  };
}

let keyN = 0;

/** An approval of (card, atc) with its ledger row; `key` the idempotency key (else a fresh one). */
export function authorizationPlan(
  cardId: string,
  atc: number,
  over: Partial<AuthorizationPlan> = {},
  key?: string,
): AuthorizationPlan {
  const id = `auth-${++keyN}-${Math.random().toString(36).slice(2)}`;
  return {
    authorization: {
      id,
      idempotencyKey: key ?? `idem-${id}`,
      requestHash: 'hash-1',
      cardId,
      atc,
      amount: 100,
      currency: '978',
      cryptogram: '0011223344556677',
      decision: 'APPROVE',
      reason: 'APPROVED',
      arpc: null,
      responseJson: JSON.stringify({ id }),
      createdAt: NOW,
    },
    ledger: {
      cardId,
      atc,
      api: null,
      un: '01020304',
      amount: 100,
      authorizationId: id,
      decision: 'APPROVE',
      createdAt: NOW,
    },
    ...over,
  };
}
