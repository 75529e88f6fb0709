/**
 * The wallet's commands on cards (docs/cbp-protocol.md §4): CARD_INFO (every card's profile,
 * without keys, and its credential state), WIPE (one card or '*', keys included, no server
 * message needed), CDCVM (docs/cdcvm.md: the cardholder typed the card's mobile PIN, held in the
 * TA's memory for the card's next payment only, then mixed into the cryptogram's key so that the
 * issuer checks it; or forget every held verification).
 */
import { CARD_ID, CbpError, CbpErrorCode, type PublicCard } from '@openvse/protocol';
import { bad, checkCardId } from './checks.js';
import type { CoreContext } from './context.js';
import { checkMobilePin, mobilePinMask } from './mobile-pin.js';
import { type CardState, cardKeyIds, cardObjectId } from './state.js';

/** CARD_INFO: the cards by priority, then id. */
export async function cardInfo(ctx: CoreContext): Promise<PublicCard[]> {
  const out: PublicCard[] = [];
  for (const id of await ctx.cardIds()) {
    const c = await ctx.loadCard(id);
    if (!c) continue;
    out.push({
      ...c.card,
      state: c.state,
      atc: c.atc,
      credentialsLeft: ctx.credentialsLeft(c),
      replenishDue: ctx.replenishDue(c),
    });
  }
  return out.sort((a, b) => a.priority - b.priority || (a.cardId < b.cardId ? -1 : 1));
}

/** WIPE: deletes one card or every card ('*') with its keys; a card that is not there is skipped. */
export async function wipeCards(ctx: CoreContext, target: string): Promise<void> {
  if (typeof target !== 'string' || !(target === '*' || CARD_ID.test(target))) throw bad("cardId or '*'");
  const ids = target === '*' ? await ctx.cardIds() : [target];
  const remove: string[] = [];
  const keys: string[] = [];
  for (const id of ids) {
    let c: CardState | null;
    try {
      c = await ctx.loadCard(id);
    } catch {
      // a corrupt card object is deleted all the same; housekeeping drops its keys
      if ((await ctx.platform.read(cardObjectId(id))) === null) continue;
      remove.push(id);
      ctx.housekeepingAgain();
      continue;
    }
    if (!c) continue;
    remove.push(id);
    keys.push(...cardKeyIds(c));
  }
  if (remove.length > 0) await ctx.save({ remove });
  for (const id of remove) ctx.dropCdcvm(id);
  await ctx.deleteKeys(keys);
}

/**
 * CDCVM: the cardholder typed `mobilePin` for `cardId`. The TA cannot tell a right PIN from a wrong
 * one (it never has it); it holds the PIN's mask for the card's next cryptogram, which carries it
 * to the issuer (cryptograms.ts). A card without a mobile PIN has no cardholder verification
 * (ERR_NO_MOBILE_PIN): above its CVM limit it cannot pay.
 */
export async function verifyCardholder(ctx: CoreContext, cardIdIn: string, pinIn: string): Promise<void> {
  const cardId = checkCardId(cardIdIn);
  const pin = checkMobilePin(pinIn);
  const c = await ctx.loadCard(cardId);
  if (!c) throw new CbpError(CbpErrorCode.UNKNOWN_CARD, 'no such card');
  if (!c.card.mobilePin) throw new CbpError(CbpErrorCode.NO_MOBILE_PIN, 'the card has no mobile PIN');
  ctx.holdCdcvm(cardId, mobilePinMask(pin));
}

/** CDCVM `{forget: true}`: every held verification is dropped. */
export async function forgetCardholderVerification(ctx: CoreContext): Promise<void> {
  ctx.dropCdcvm();
}
