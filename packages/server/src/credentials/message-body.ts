/**
 * The body of a `credentials` message (docs/cbp-protocol.md §2): profile V
 * `{ cardId, luk: { api, dki, key, maxTransactions, notAfter, maxAmount } }`, profile M
 * `{ cardId, suks: [{ atc, sukUmd, skMd, idn }] }`; keys base64url, notAfter in epoch seconds.
 */
import type { CardRow } from '../storage/store.js';
import type { IssuedLuk, IssuedSuk } from './issue.js';

const b64u = (b: Uint8Array) => Buffer.from(b).toString('base64url');

export function credentialsBody(card: CardRow, luk?: IssuedLuk, suks?: IssuedSuk[]): Record<string, unknown> {
  if (luk)
    return {
      cardId: card.cardId,
      luk: {
        api: luk.row.api,
        dki: luk.row.dki,
        key: b64u(luk.key),
        maxTransactions: luk.row.maxTransactions,
        notAfter: Math.floor(luk.row.notAfter / 1000),
        maxAmount: luk.row.maxAmount,
      },
    };
  return {
    cardId: card.cardId,
    suks: (suks ?? []).map((s) => ({
      atc: s.atc,
      sukUmd: b64u(s.sukUmd),
      skMd: b64u(s.skMd),
      idn: b64u(s.idn),
    })),
  };
}
