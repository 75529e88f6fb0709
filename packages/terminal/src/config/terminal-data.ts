/**
 * The transaction and the terminal-sourced data objects the card may ask for in a PDOL or
 * CDOL1 (EMV Book 3 Annex A; Book 3 §5.4 says how DOL data is built from them; Book C-3 Annex
 * A for 9F66). One mutable map per transaction: the kernels update 95 (TVR), 9F34 (CVM
 * Results) and 9F66 (TTQ) as they go, so a DOL built later sees the current values.
 */
import { hexToBytes } from '@openvse/emv/codec';
import { TerminalError, TerminalErrorCode } from '../errors.js';
import { dateYymmdd, normalizeAmount, numericField, timeHhmmss } from './bcd.js';
import type { TerminalConfig } from './terminal-config.js';

/** What the POS asks for: amount, cashback amount, transaction type. */
export interface TransactionRequest {
  /** 9F02 Amount, Authorised, minor units. */
  amount: number | bigint;
  /** 9F03 Amount, Other (cashback), minor units; default 0. */
  amountOther?: number | bigint;
  /** 9C Transaction Type (Book 3 Annex A; ISO 8583 processing code): 0x00 purchase (default), 0x09 cashback, 0x20 refund. */
  transactionType?: number;
}

/** The transaction as the kernels use it: checked amounts, type, date, unpredictable number. */
export interface ResolvedTransaction {
  amount: bigint;
  amountOther: bigint;
  transactionType: number;
  date: Date;
  unpredictableNumber: Uint8Array;
}

/** Checks the request and fixes the date (config clock) and the unpredictable number (9F37). */
export function resolveTransaction(req: TransactionRequest, config: TerminalConfig): ResolvedTransaction {
  if (typeof req !== 'object' || req === null)
    throw new TerminalError(TerminalErrorCode.BAD_ARGUMENT, 'transaction: expected an object');
  const type = req.transactionType ?? 0x00;
  if (!Number.isInteger(type) || type < 0 || type > 0x99 || (type & 0x0f) > 9)
    throw new TerminalError(TerminalErrorCode.BAD_ARGUMENT, 'transactionType: expected one BCD byte');
  const date = config.clock();
  if (!(date instanceof Date) || Number.isNaN(date.getTime()))
    throw new TerminalError(TerminalErrorCode.CONFIG_INVALID, 'clock: did not return a valid Date');
  const un = config.unpredictableNumber();
  if (!(un instanceof Uint8Array) || un.length !== 4)
    throw new TerminalError(TerminalErrorCode.CONFIG_INVALID, 'unpredictableNumber: expected 4 bytes');
  return {
    amount: normalizeAmount(req.amount, 'amount'),
    amountOther: normalizeAmount(req.amountOther ?? 0, 'amountOther'),
    transactionType: type,
    date,
    unpredictableNumber: new Uint8Array(un),
  };
}

const hex = (s: string): Uint8Array => hexToBytes(s);
// ans fields: the low byte of each UTF-16 code unit (ISO/IEC 8859-1 for the characters it has),
// as the terminal has always written them; emv's latin1Bytes would refuse a configured name with
// a character beyond U+00FF instead.
const latin1 = (s: string): Uint8Array =>
  Uint8Array.from({ length: s.length }, (_, i) => s.charCodeAt(i) & 0xff);
const text = (s: string, n: number): Uint8Array => latin1(s.padEnd(n, ' ').slice(0, n));

/** The terminal's data objects for this transaction, keyed by uppercase tag. */
export function buildTerminalData(config: TerminalConfig, tx: ResolvedTransaction): Map<string, Uint8Array> {
  const m = new Map<string, Uint8Array>();
  m.set('9F02', numericField(tx.amount, 6));
  m.set('9F03', numericField(tx.amountOther, 6));
  m.set('9F1A', hex(config.countryCode));
  m.set('5F2A', hex(config.currencyCode));
  m.set('5F36', numericField(config.currencyExponent, 1));
  m.set('9A', dateYymmdd(tx.date));
  m.set('9F21', timeHhmmss(tx.date));
  m.set('9C', Uint8Array.of(tx.transactionType));
  m.set('9F37', new Uint8Array(tx.unpredictableNumber));
  m.set('95', new Uint8Array(5));
  m.set('9F34', hex('000000'));
  m.set('9F33', hex(config.terminalCapabilities));
  m.set('9F40', hex(config.additionalTerminalCapabilities));
  m.set('9F35', Uint8Array.of(config.terminalType));
  m.set('9F66', hex(config.ttq));
  m.set('9F15', hex(config.merchantCategoryCode));
  m.set('9F1C', text(config.terminalId, 8));
  m.set('9F16', text(config.merchantId, 15));
  m.set('9F4E', latin1(config.merchantName));
  m.set('9F09', hex(config.kernel2.applicationVersion));
  m.set('9F1D', hex(config.kernel2.terminalRiskManagementData));
  // Kernel 2 CDOL1 tail: no CDA, so no DAC / ICC dynamic number from a previous step.
  m.set('9F45', new Uint8Array(2));
  m.set('9F4C', new Uint8Array(8));
  // Kernel 2 mag-stripe UN (unused by the M/Chip path, but a UDOL/CDOL may name it).
  m.set('9F6A', new Uint8Array(tx.unpredictableNumber));
  return m;
}
