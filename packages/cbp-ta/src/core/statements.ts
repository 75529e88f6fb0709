/**
 * The TA → server statements (docs/cbp-protocol.md §3), compact JWS by the TA's `sig` key with
 * the shapes protocol defines (packages/protocol src/messages/statements.ts):
 *  - STATUS: every card's state and credentials over the server's nonce (state sync);
 *  - REPLENISH_REQUEST: profile V, the outgoing LUK's use (first/last ATC and the transaction
 *    log) proven by a MAC under that LUK over protocol's `replenishMacData` (ISO/IEC 9797-1 MAC
 *    algorithm 3), plus the ATC ranges a crash consumed from a tap reservation (`lost`,
 *    reservation.ts; covered by the statement's signature); profile M, what became of every SUK
 *    the TA knows (a crash's reserved SUKs DISCARDED).
 */
import { bytesToHex } from '@openvse/emv/codec';
import {
  CbpError,
  CbpErrorCode,
  type LukReplenishStatement,
  replenishMacData,
  type StatusCard,
  type StatusStatement,
  type SukReplenishStatement,
  type SukUse,
} from '@openvse/protocol';
import { bad, checkCardId } from './checks.js';
import type { CoreContext } from './context.js';

/** Most SUK fates a profile M replenishment statement lists (the newest). */
const MAX_SUK_USES = 1000;

/** STATUS: the signed status statement over `nonce`. */
export async function status(ctx: CoreContext, nonce: string): Promise<string> {
  if (typeof nonce !== 'string' || nonce.length === 0 || nonce.length > 512 || !/^[\x21-\x7e]+$/.test(nonce))
    throw bad('nonce must be 1..512 printable characters');
  const d = await ctx.requireDevice();
  const cards: StatusCard[] = [];
  for (const id of await ctx.cardIds()) {
    const c = await ctx.loadCard(id);
    if (!c) continue;
    cards.push({
      cardId: c.card.cardId,
      profile: c.card.profile,
      state: c.state,
      atc: c.atc,
      credentialsLeft: ctx.credentialsLeft(c),
      thresholdsLeft: ctx.thresholdsLeft(c),
      replenishDue: ctx.replenishDue(c),
    });
  }
  const statement: StatusStatement = {
    typ: 'status',
    deviceId: d.deviceId,
    nonce,
    iat: Math.floor(ctx.platform.now() / 1000),
    stateCounter: ctx.platform.stateCounter().toString(),
    lastSeq: d.lastSeq,
    cards,
  };
  return ctx.sign(statement);
}

/** REPLENISH_REQUEST: the signed replenishment statement of one card. */
export async function replenishRequest(ctx: CoreContext, cardIdIn: string): Promise<string> {
  const cardId = checkCardId(cardIdIn);
  const d = await ctx.requireDevice();
  const c = await ctx.loadCard(cardId);
  if (!c) throw new CbpError(CbpErrorCode.UNKNOWN_CARD, 'no such card');
  const base = {
    typ: 'replenish' as const,
    deviceId: d.deviceId,
    cardId,
    iat: Math.floor(ctx.platform.now() / 1000),
    stateCounter: ctx.platform.stateCounter().toString(),
  };
  if (c.card.profile === 'M') {
    const credentials: SukUse[] = [
      ...c.history.map((h) => ({ atc: h.atc, status: h.status })),
      ...c.suks.map((s) => ({ atc: s.atc, status: 'UNUSED' as const })),
    ].slice(-MAX_SUK_USES);
    const statement: SukReplenishStatement = { ...base, credentials };
    return ctx.sign(statement);
  }
  const l = c.luk;
  if (!l) throw new CbpError(CbpErrorCode.NO_CREDENTIALS, 'the card has no LUK');
  // No cryptogram under this LUK yet: an empty range at the current ATC.
  const firstAtc = l.firstAtc ?? c.atc;
  const lastAtc = c.atc;
  const mac = await ctx.macWith(l.keyId, replenishMacData(l.api, firstAtc, lastAtc, l.log));
  const statement: LukReplenishStatement = {
    ...base,
    api: l.api,
    firstAtc,
    lastAtc,
    log: l.log.map((e) => ({ atc: e.atc, un: e.un, amount: e.amount })),
    // ATCs reserved under this LUK and lost in a crash (reservation.ts): signed, not in the MAC.
    ...(l.lost && l.lost.length > 0 ? { lost: l.lost.map(([from, to]) => ({ from, to })) } : {}),
    mac: bytesToHex(mac),
  };
  return ctx.sign(statement);
}
