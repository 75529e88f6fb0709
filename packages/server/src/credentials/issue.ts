/**
 * Issuing card credentials (docs/design.md "Cards, keys and cryptograms"; docs/cbp-protocol.md
 * §2 `credentials`):
 * - profile V: one LUK = CSK(MK_AC, 00000000 ‖ BCD("0" ‖ API)) (MK_AC Option A, B for PANs over
 *   16 digits), with thresholds (max transactions, time to live, max cumulative amount); once
 *   the new LUK is stored, the outgoing one is retired (in one transaction, devices/provision.ts);
 * - profile M: N SUKs for server-assigned ATCs: SK_UMD = CSK(MK_AC, ATC ‖ 00×6),
 *   SK_MD = CSK(MK_MD, ATC ‖ 00×6), both Option A; `sukUmd` is SK_UMD with the mobile PIN mixed
 *   out when the card has one (docs/emv-cryptography.md §4.5).
 * Nothing is stored here: the caller seals the key bytes into a message, zeroes them, and stores
 * the rows with the message in one transaction (Store.issueCredentials).
 */
import { randomBytes } from 'node:crypto';
import { issuerDeriveAcKey, issuerDeriveMdKey, openvseProfileM, openvseProfileV } from '@openvse/emv/cvn';
import { mixMobilePin } from '@openvse/emv/keys';
import { ApiErrorCode } from '@openvse/protocol';
import type { CardRow, LukRow, SukRow } from '../domain/cards.js';
import { ServerError } from '../errors.js';
import type { Services } from '../services.js';
import { keyPan } from '../tokens/digitize.js';
import { apiPrefix, makeApi } from './api.js';

/** A LUK just issued: its row and its key bytes (to seal, then zero). */
export interface IssuedLuk {
  row: LukRow;
  key: Uint8Array;
}

/** A SUK just issued for one ATC: its row, key bytes and IDN (to seal, then zero). */
export interface IssuedSuk {
  atc: number;
  row: SukRow;
  sukUmd: Uint8Array;
  skMd: Uint8Array;
  idn: Uint8Array;
}

/** Makes a new LUK for a profile V cloud card: an API not yet used for the card, its row and key. */
export async function prepareLuk(s: Services, card: CardRow): Promise<IssuedLuk> {
  if (card.profile !== 'V' || card.cardType !== 'cloud')
    throw new ServerError(ApiErrorCode.CARD_STATE, 'LUKs are for cloud cards of profile V');
  const now = s.clock.now();
  const prefix = apiPrefix(now);
  const taken = new Set((await s.store.listLuks(card.cardId)).map((l) => l.api));
  const p = s.config.luk;
  for (let cc = 0; cc < 100; cc++) {
    const api = makeApi(prefix, cc);
    if (taken.has(api)) continue;
    // The luks primary key still guards the API: a concurrent issuance that took it makes the
    // transaction fail, and the caller refuses the request.
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
    const pan = keyPan(s, card);
    const key = s.keys.withIssuerKeys((k) =>
      issuerDeriveAcKey(openvseProfileV, { imkAc: k.imkAc, pan, psn: card.psn, api }),
    );
    return { row, key };
  }
  throw new ServerError(ApiErrorCode.CARD_STATE, 'more than 100 LUKs in one hour for this card');
}

/** Allocates `n` ATCs and makes a SUK for each (profile M cloud card); unused ATCs are a harmless gap. */
export async function prepareSuks(s: Services, card: CardRow, n: number): Promise<IssuedSuk[]> {
  if (card.profile !== 'M' || card.cardType !== 'cloud')
    throw new ServerError(ApiErrorCode.CARD_STATE, 'SUKs are for cloud cards of profile M');
  const first = await s.store.allocateAtcs(card.cardId, n);
  if (first + n - 1 > 0xffff)
    throw new ServerError(ApiErrorCode.CARD_STATE, 'ATC space of the card exhausted');
  const now = s.clock.now();
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
      const row: SukRow = { cardId: card.cardId, atc, status: 'UNUSED', issuedAt: now };
      return { atc, row, sukUmd, skMd, idn: new Uint8Array(randomBytes(8)) };
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
