/**
 * Presence and length checks on card data objects (EMV Book 3 Annex A lengths; Books C-2/C-3
 * "mandatory data objects"): a missing mandatory object is END_APPLICATION /
 * ERR_CARD_DATA_MISSING, a wrong length ERR_CARD_DATA_INVALID, both naming the tag.
 */
import { invalidTag, missingTag } from './kernel-stop.js';
import type { TransactionContext } from './transaction-context.js';

export type LengthRule = number | { min: number; max: number };

function lengthOk(v: Uint8Array, rule: LengthRule | undefined): boolean {
  if (rule === undefined) return true;
  return typeof rule === 'number' ? v.length === rule : v.length >= rule.min && v.length <= rule.max;
}

/** The value of a mandatory card data object, with its length checked. */
export function requireCardTag(
  ctx: TransactionContext,
  tag: string,
  where: string,
  rule?: LengthRule,
): Uint8Array {
  const v = ctx.card.get(tag);
  if (v === undefined) throw missingTag(tag, where);
  if (!lengthOk(v, rule)) throw invalidTag(tag, `length ${v.length} not allowed`);
  return v;
}

/** The value of an optional card data object; present with a wrong length is still an error. */
export function optionalCardTag(
  ctx: TransactionContext,
  tag: string,
  rule?: LengthRule,
): Uint8Array | undefined {
  const v = ctx.card.get(tag);
  if (v !== undefined && !lengthOk(v, rule)) throw invalidTag(tag, `length ${v.length} not allowed`);
  return v;
}
