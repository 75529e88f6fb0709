/**
 * The body of a `credentials` message (docs/cbp-protocol.md §2; @openvse/protocol CredentialsBody,
 * which the TA parses strictly): profile V `{ cardId, luk: { api, dki, key, maxTransactions,
 * notAfter, maxAmount } }`, profile M `{ cardId, suks: [{ atc, sukUmd, skMd, idn }] }`; keys as
 * base64url (RFC 4648 §5, no padding), notAfter in epoch seconds.
 */
import { bytesToBase64url } from '@openvse/emv/codec';
import type { CredentialsBody } from '@openvse/protocol';
import type { CardRow } from '../domain/cards.js';
import type { IssuedLuk, IssuedSuk } from './issue.js';

/** The body for a freshly issued LUK (profile V) or batch of SUKs (profile M). */
export function credentialsBody(card: CardRow, luk?: IssuedLuk, suks?: IssuedSuk[]): CredentialsBody {
  if (luk)
    return {
      cardId: card.cardId,
      luk: {
        api: luk.row.api,
        dki: luk.row.dki,
        key: bytesToBase64url(luk.key),
        maxTransactions: luk.row.maxTransactions,
        notAfter: Math.floor(luk.row.notAfter / 1000),
        maxAmount: luk.row.maxAmount,
      },
    };
  return {
    cardId: card.cardId,
    suks: (suks ?? []).map((s) => ({
      atc: s.atc,
      sukUmd: bytesToBase64url(s.sukUmd),
      skMd: bytesToBase64url(s.skMd),
      idn: bytesToBase64url(s.idn),
    })),
  };
}
