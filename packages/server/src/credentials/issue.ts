/**
 * Issuing card credentials (docs/design.md "Cards, keys and cryptograms"; docs/cbp-protocol.md
 * §2 `credentials`):
 * - profile V: one LUK = CSK(MK_AC, 00000000 ‖ BCD("0" ‖ API)) (MK_AC Option A, B for PANs over
 *   16 digits), with thresholds (max transactions, time to live, max cumulative amount); once
 *   the new LUK is stored, the card's previous ones are retired;
 * - profile M: N SUKs for server-assigned ATCs: SK_UMD = CSK(MK_AC, ATC ‖ 00×6),
 *   SK_MD = CSK(MK_MD, ATC ‖ 00×6), both Option A; `sukUmd` is SK_UMD with the mobile PIN mixed
 *   out when the card has one (docs/emv-cryptography.md §4.5).
 * The issued key bytes are returned to be sealed into a message and zeroed by the caller.
 */
import { randomBytes } from 'node:crypto';
import { issuerDeriveAcKey, issuerDeriveMdKey, openvseProfileM, openvseProfileV } from '@openvse/emv/cvn';
import { mixMobilePin } from '@openvse/emv/keys';
import { ApiErrorCode } from '@openvse/protocol';
import type { CardRow, LukRow } from '../domain/cards.js';
import { ServerError } from '../errors.js';
import type { Services } from '../services.js';
import { keyPan } from '../tokens/digitize.js';
import { apiPrefix, makeApi } from './api.js';

/** A LUK just issued: its row and its key bytes (to seal, then zero). */
export interface IssuedLuk {
  row: LukRow;
  key: Uint8Array;
}

/** A SUK just issued for one ATC: its key bytes and IDN (to seal, then zero). */
export interface IssuedSuk {
  atc: number;
  sukUmd: Uint8Array;
  skMd: Uint8Array;
  idn: Uint8Array;
}

/** Issues and stores a new LUK for a profile V cloud card (its predecessors are retired by the caller). */
export async function issueLuk(s: Services, card: CardRow): Promise<IssuedLuk> {
  if (card.profile !== 'V' || card.cardType !== 'cloud')
    throw new ServerError(ApiErrorCode.CARD_STATE, 'LUKs are for cloud cards of profile V');
  const now = s.clock.now();
  const prefix = apiPrefix(now);
  const taken = new Set((await s.store.listLuks(card.cardId)).map((l) => l.api));
  const p = s.config.luk;
  for (let cc = 0; cc < 100; cc++) {
    const api = makeApi(prefix, cc);
    if (taken.has(api)) continue;
    const row: LukRow = {
      cardId: card.cardId,
      api,
      dki: card.kdi,
      maxTransactions: p.maxTransactions,
      notAfter: now + p.ttlSeconds * 1000,
      maxAmount: p.maxAmount,
      issuedAt: now,
      retiredAt: null,
      usedCount: 0,
      usedAmount: 0,
    };
    if (!(await s.store.insertLuk(row))) continue;
    // The new LUK replaces the card's previous ones (docs/cbp-protocol.md §2 `credentials`), but
    // the caller retires them only once the message carrying it is in the outbox
    // (devices/provision.ts issueCredentialsMessage): retiring here left a crash window in which
    // the TA's LUK was retired and the new one never sent, and the card could not be replenished.
    const pan = keyPan(s, card);
    const key = s.keys.withIssuerKeys((k) =>
      issuerDeriveAcKey(openvseProfileV, { imkAc: k.imkAc, pan, psn: card.psn, api }),
    );
    return { row, key };
  }
  throw new ServerError(ApiErrorCode.CARD_STATE, 'more than 100 LUKs in one hour for this card');
}

/** Allocates `n` ATCs and issues a SUK for each (profile M cloud card). */
export async function issueSuks(s: Services, card: CardRow, n: number): Promise<IssuedSuk[]> {
  if (card.profile !== 'M' || card.cardType !== 'cloud')
    throw new ServerError(ApiErrorCode.CARD_STATE, 'SUKs are for cloud cards of profile M');
  const first = await s.store.allocateAtcs(card.cardId, n);
  if (first + n - 1 > 0xffff)
    throw new ServerError(ApiErrorCode.CARD_STATE, 'ATC space of the card exhausted');
  const now = s.clock.now();
  await s.store.insertSuks(
    Array.from({ length: n }, (_, i) => ({
      cardId: card.cardId,
      atc: first + i,
      status: 'UNUSED' as const,
      issuedAt: now,
    })),
  );
  const pan = keyPan(s, card);
  const pin = card.mobilePinEnc
    ? s.keys.decryptSecret('mobile-pin', card.cardId, card.mobilePinEnc)
    : undefined;
  return s.keys.withIssuerKeys((k) =>
    Array.from({ length: n }, (_, i) => {
      const atc = first + i;
      const skUmd = issuerDeriveAcKey(openvseProfileM, { imkAc: k.imkAc, pan, psn: card.psn, atc });
      const skMd = issuerDeriveMdKey(openvseProfileM, { imkMd: k.imkMd, pan, psn: card.psn, atc });
      let sukUmd = skUmd;
      if (pin !== undefined) {
        sukUmd = mixMobilePin(skUmd, pin);
        skUmd.fill(0);
      }
      return { atc, sukUmd, skMd, idn: new Uint8Array(randomBytes(8)) };
    }),
  );
}

/** Zeroes issued key bytes once they are sealed into a message. */
export function wipeIssued(luk?: IssuedLuk, suks?: IssuedSuk[]): void {
  luk?.key.fill(0);
  for (const s of suks ?? []) {
    s.sukUmd.fill(0);
    s.skMd.fill(0);
  }
}
