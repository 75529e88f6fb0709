/**
 * Internal helpers shared by the profile files: reading the CVR / counters a profile MACs
 * either from the transaction data or from the IAD (tag 9F10), and IAD length checks.
 */

import { toBytes } from '../codec/hex.js';
import { EmvError, EmvErrorCode } from '../errors.js';
import { fixedField } from './transaction-data.js';
import type { AcTransactionData, Bytes, ParsedIad } from './types.js';

/** The CVR to MAC: `tx.cvr`, else the CVR read from `tx.iad` with `parse`. */
export function cvrFrom(tx: AcTransactionData, length: number, parse: (iad: Bytes) => ParsedIad): Uint8Array {
  if (tx.cvr !== undefined) return fixedField(tx.cvr, length, 'cvr');
  if (tx.iad !== undefined) return fixedField(parse(tx.iad).cvr, length, 'cvr');
  throw new EmvError(EmvErrorCode.BAD_ARGUMENT, 'cvr: missing (give cvr or iad)');
}

/** The whole IAD, which must be present. */
export function requiredIad(tx: AcTransactionData): Uint8Array {
  if (tx.iad === undefined) throw new EmvError(EmvErrorCode.BAD_ARGUMENT, 'iad: missing');
  return toBytes(tx.iad, 'iad');
}

export function iadError(profile: string, why: string): EmvError {
  return new EmvError(EmvErrorCode.IAD_INVALID, `iad (${profile}): ${why}`);
}

/** Optional byte field with an allowed set of lengths. */
export function optionalField(
  value: Bytes | undefined,
  lengths: number[],
  what: string,
): Uint8Array | undefined {
  if (value === undefined) return undefined;
  const b = toBytes(value, what);
  if (!lengths.includes(b.length))
    throw new EmvError(
      EmvErrorCode.DATA_LENGTH,
      `${what}: expected ${lengths.join(' or ')} bytes, got ${b.length}`,
    );
  return b;
}
