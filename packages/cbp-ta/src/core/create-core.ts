/**
 * The CBP TA's business logic, written once against `CbpPlatform` (docs/cbp-protocol.md §2–§6;
 * docs/design.md "Cards, keys and cryptograms", "Server ↔ TA messages"), wired together here:
 *  - ENROLL (enroll.ts);
 *  - PROCESS_MESSAGE (messages.ts);
 *  - GPO_V and GENAC_M (cryptograms.ts);
 *  - STATUS and REPLENISH_REQUEST (statements.ts);
 *  - CARD_INFO, WIPE and CDCVM (cards.ts);
 * all sharing one context (context.ts). Every operation runs under one lock, so calls never
 * interleave: V-OS already serialises the calls into one TA, the software platform does not.
 * The only work outside the lock is the card store's background writer (card-store.ts), which
 * writes behind a tap's answer what memory already holds.
 */
import type { PublicCard } from '@openvse/protocol';
import { cardInfo, forgetCardholderVerification, verifyCardholder, wipeCards } from './cards.js';
import { CoreContext } from './context.js';
import { type CryptogramResult, generateAcM, gpoV } from './cryptograms.js';
import { type EnrollRequest, enroll } from './enroll.js';
import { type ProcessedMessage, processMessage } from './messages.js';
import type { CbpPlatform } from './platform.js';
import type { ReserveSizes } from './reservation.js';
import { replenishRequest, status } from './statements.js';

/** The CBP TA's commands (docs/cbp-protocol.md §4), one method each. */
export interface CbpCore {
  /** ENROLL: TA keys generated (or kept), the server key pinned; answers the attestation JWS. */
  enroll(req: EnrollRequest): Promise<string>;
  /** PROCESS_MESSAGE: opens, checks and applies one server message (a compact JWE). */
  processMessage(jwe: string): Promise<ProcessedMessage>;
  /** GPO_V: the profile V cryptogram over the 33 bytes of PDOL data. */
  gpoV(cardId: string, pdolData: Uint8Array): Promise<CryptogramResult>;
  /** GENAC_M: the profile M cryptogram for GENERATE AC P1 over the CDOL1 data. */
  generateAcM(
    cardId: string,
    p1: number,
    cdol1Data: Uint8Array,
    mobilePin?: string,
  ): Promise<CryptogramResult>;
  /** STATUS: the signed status statement over the server's nonce. */
  status(nonce: string): Promise<string>;
  /** REPLENISH_REQUEST: the signed replenishment statement of one card. */
  replenishRequest(cardId: string): Promise<string>;
  /** CARD_INFO: every card (profile without keys, credential state). */
  cardInfo(): Promise<PublicCard[]>;
  /** WIPE: one card, or every card with '*', keys included. */
  wipe(cardId: string): Promise<void>;
  /**
   * CDCVM: the cardholder typed the card's mobile PIN; it goes with the card's next payment only,
   * to the issuer, which checks it (docs/cdcvm.md).
   */
  verifyCardholder(cardId: string, mobilePin: string): Promise<void>;
  /** CDCVM `forget`: drops every held cardholder verification. */
  forgetCardholderVerification(): Promise<void>;
  /**
   * A clean stop (TA_DestroyEntryPoint): waits for the writes behind answers, then seals the exact
   * state without tap reservations. Optional for other implementations of the interface.
   */
  close?(): Promise<void>;
}

/** How the core runs (createCbpCore's second argument). */
export interface CbpCoreOptions {
  /**
   * Tap reservations (docs/cbp-protocol.md §4 "Crash safety"): each sealed commit reserves the
   * next `atcs` ATCs (and a share of the LUK's uses and amount, or of the unused SUKs), a tap
   * takes from the reservation without a sealed write and its record is written behind the
   * answer; a crash skips what was reserved. Absent: write-through, every tap's state committed
   * before it answers (the software baseline).
   */
  reserve?: ReserveSizes;
}

/** The CBP TA core on `platform` (V-OS's syscalls inside the TA, or the software baseline). */
export function createCbpCore(platform: CbpPlatform, options: CbpCoreOptions = {}): CbpCore {
  const reserve = options.reserve;
  if (reserve !== undefined && !(Number.isInteger(reserve.atcs) && reserve.atcs >= 1 && reserve.atcs <= 1000))
    throw new RangeError('reserve.atcs must be an integer 1..1000');
  const ctx = new CoreContext(platform, reserve ? { atcs: reserve.atcs } : null);
  let chain: Promise<unknown> = Promise.resolve();
  /** Serialises every public operation. */
  function locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = chain.then(fn, fn);
    chain = run.catch(() => undefined);
    return run;
  }
  return {
    enroll: (req) => locked(() => enroll(ctx, req)),
    processMessage: (jwe) => locked(() => processMessage(ctx, jwe)),
    gpoV: (cardId, pdol) => locked(() => gpoV(ctx, cardId, pdol)),
    generateAcM: (cardId, p1, cdol1, pin) => locked(() => generateAcM(ctx, cardId, p1, cdol1, pin)),
    status: (nonce) => locked(() => status(ctx, nonce)),
    replenishRequest: (cardId) => locked(() => replenishRequest(ctx, cardId)),
    cardInfo: () => locked(() => cardInfo(ctx)),
    wipe: (cardId) => locked(() => wipeCards(ctx, cardId)),
    verifyCardholder: (cardId, pin) => locked(() => verifyCardholder(ctx, cardId, pin)),
    forgetCardholderVerification: () => locked(() => forgetCardholderVerification(ctx)),
    close: () => locked(() => ctx.close()),
  };
}
