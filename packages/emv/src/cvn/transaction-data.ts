/**
 * Checks and concatenates the transaction data that CVN profiles MAC (EMV Book 2 §8.1.1
 * minimum data set: 9F02 9F03 9F1A 95 5F2A 9A 9C 9F37 ‖ 82 ‖ 9F36), and maps tag-keyed
 * records (from a DOL or a vector file) onto {@link AcTransactionData}.
 */

import { concatBytes } from '../codec/bytes.js';
import { toBytes } from '../codec/hex.js';
import { EmvError, EmvErrorCode } from '../errors.js';
import { normalizeAtc } from '../keys/atc.js';
import type { AcTransactionData, Bytes } from './types.js';

/** toBytes plus an exact length check (ERR_DATA_LENGTH). */
export function fixedField(value: Bytes | undefined, length: number, what: string): Uint8Array {
  if (value === undefined) throw new EmvError(EmvErrorCode.BAD_ARGUMENT, `${what}: missing`);
  const b = toBytes(value, what);
  if (b.length !== length)
    throw new EmvError(EmvErrorCode.DATA_LENGTH, `${what}: expected ${length} bytes, got ${b.length}`);
  return b;
}

/** The 29 terminal bytes 9F02 ‖ 9F03 ‖ 9F1A ‖ 95 ‖ 5F2A ‖ 9A ‖ 9C ‖ 9F37 (CDOL1/PDOL order). */
export function terminalData(tx: AcTransactionData): Uint8Array {
  return concatBytes(
    fixedField(tx.amountAuthorized, 6, 'amountAuthorized (9F02)'),
    fixedField(tx.amountOther, 6, 'amountOther (9F03)'),
    fixedField(tx.terminalCountryCode, 2, 'terminalCountryCode (9F1A)'),
    fixedField(tx.tvr, 5, 'tvr (95)'),
    fixedField(tx.transactionCurrencyCode, 2, 'transactionCurrencyCode (5F2A)'),
    fixedField(tx.transactionDate, 3, 'transactionDate (9A)'),
    fixedField(tx.transactionType, 1, 'transactionType (9C)'),
    fixedField(tx.unpredictableNumber, 4, 'unpredictableNumber (9F37)'),
  );
}

/** Terminal data ‖ AIP ‖ ATC: the 33-byte minimum data set. */
export function minimumDataSet(tx: AcTransactionData): Uint8Array {
  return concatBytes(terminalData(tx), fixedField(tx.aip, 2, 'aip (82)'), normalizeAtc(tx.atc));
}

const TAG_FIELDS: ReadonlyArray<[string, keyof AcTransactionData]> = [
  ['9F02', 'amountAuthorized'],
  ['9F03', 'amountOther'],
  ['9F1A', 'terminalCountryCode'],
  ['95', 'tvr'],
  ['5F2A', 'transactionCurrencyCode'],
  ['9A', 'transactionDate'],
  ['9C', 'transactionType'],
  ['9F37', 'unpredictableNumber'],
  ['82', 'aip'],
  ['9F36', 'atc'],
  ['9F10', 'iad'],
];

/**
 * Builds {@link AcTransactionData} from a record keyed by tag ('9F02' or 'tag_9f02', any case),
 * plus optional 'cvr' and 'counters' keys. Missing mandatory tags give ERR_BAD_ARGUMENT.
 */
export function acTransactionDataFromTags(tags: Record<string, unknown>): AcTransactionData {
  const byTag = new Map<string, unknown>();
  for (const [k, v] of Object.entries(tags)) byTag.set(k.toUpperCase().replace(/^TAG_/, ''), v);
  const out: Record<string, unknown> = {};
  for (const [tag, name] of TAG_FIELDS) {
    const v = byTag.get(tag);
    if (v === undefined || v === null) {
      if (tag === '9F10') continue;
      throw new EmvError(EmvErrorCode.BAD_ARGUMENT, `tag ${tag}: missing`);
    }
    if (typeof v !== 'string' && !(v instanceof Uint8Array))
      throw new EmvError(EmvErrorCode.BAD_ARGUMENT, `tag ${tag}: expected hex or bytes`);
    out[name] = v;
  }
  for (const extra of ['CVR', 'COUNTERS'] as const) {
    const v = byTag.get(extra);
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string' && !(v instanceof Uint8Array))
      throw new EmvError(EmvErrorCode.BAD_ARGUMENT, `${extra.toLowerCase()}: expected hex or bytes`);
    out[extra.toLowerCase()] = v;
  }
  return out as unknown as AcTransactionData;
}

/** A one-byte index (DKI/KDI) from a number 0–255 (default 1). */
export function indexByte(value: number | undefined, what: string): number {
  const v = value ?? 1;
  if (!Number.isInteger(v) || v < 0 || v > 255)
    throw new EmvError(EmvErrorCode.BAD_ARGUMENT, `${what}: expected an integer from 0 to 255`);
  return v;
}
