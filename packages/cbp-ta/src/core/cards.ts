/**
 * The wallet's commands on cards (docs/cbp-protocol.md §4): CARD_INFO (every card's profile,
 * without keys, and its credential state), WIPE (one card or '*', keys included, no server
 * message needed), CDCVM (the cardholder was just verified on the device, or forget it; the time
 * is kept by the TA on the platform's monotonic clock, which the normal world cannot set).
 */
import { CARD_ID, type PublicCard } from '@openvse/protocol';
import { bad } from './checks.js';
import type { CoreContext } from './context.js';
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
  await ctx.deleteKeys(keys);
}

/** CDCVM: `true` the cardholder was just verified on the device; `false` forget any verification. */
export async function cdcvm(ctx: CoreContext, verified: boolean): Promise<void> {
  if (typeof verified !== 'boolean') throw bad('verified must be a boolean');
  ctx.setCdcvm(verified);
}
