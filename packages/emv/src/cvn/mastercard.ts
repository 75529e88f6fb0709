/**
 * Mastercard M/Chip cryptogram versions 16, 17, 20 and 21 (docs/emv-cryptography.md §3.3; pyemv
 * `MasterCardCVN16/17/20/21`, jPOS `MChipCryptogram`).
 *
 * The CVN byte is a bit field: bits 2–1 = 00 → Mastercard SKD (R = ATC ‖ 0000 ‖ UN),
 * 10 → EMV common session key (R = ATC ‖ 00×6); bit 0 = 1 → the counters are MACed too.
 * AC data = minimum data set ‖ CVR(6) [‖ counters], padding method 2, MAC algorithm 3.
 * Counters are appended exactly as carried in the IAD after the DAC/IDN (8 bytes for M/Chip 4:
 * cumulative offline amount(6) ‖ consecutive offline count(1) ‖ FF; M/Chip Advance may carry 16),
 * as pyemv does (`cvr + counters`). MK: Option A. ARPC method 1, with the ICC MK for SKD
 * profiles (16/17) and with the AC session key for CSK profiles (20/21), as pyemv.
 * IAD: KDI ‖ CVN ‖ CVR(6) ‖ DAC/IDN(2) ‖ counters(8 or 16).
 */

import { concatBytes } from '../codec/bytes.js';
import { toBytes } from '../codec/hex.js';
import { EmvError, EmvErrorCode } from '../errors.js';
import { cvrFrom, iadError, optionalField } from './iad-common.js';
import { fixedField, indexByte, minimumDataSet } from './transaction-data.js';
import type { AcTransactionData, Bytes, CvnProfile, CvnProfileId, IadFields, ParsedIad } from './types.js';

const MIN_SET = ['9F02', '9F03', '9F1A', '95', '5F2A', '9A', '9C', '9F37', '82', '9F36'] as const;

/** Parses an M/Chip 4 / Advance IAD: KDI ‖ CVN ‖ CVR(6) ‖ DAC/IDN(2) ‖ counters. */
export function parseMchipIad(profile: string, cvn: number, iad: Bytes): ParsedIad {
  const b = toBytes(iad, 'iad');
  if (b.length < 10) throw iadError(profile, `expected at least 10 bytes, got ${b.length}`);
  if (b[1] !== cvn) throw iadError(profile, `CVN byte is ${b[1]}, expected ${cvn}`);
  const out: ParsedIad = { dki: b[0]!, cvn: b[1]!, cvr: b.slice(2, 8), dacIdn: b.slice(8, 10) };
  if (b.length > 10) out.counters = b.slice(10);
  return out;
}

function buildMchipIad(cvn: number, f: IadFields): Uint8Array {
  return concatBytes(
    new Uint8Array([indexByte(f.dki, 'dki'), cvn]),
    fixedField(f.cvr, 6, 'cvr'),
    optionalField(f.dacIdn, [2], 'dacIdn') ?? new Uint8Array(2),
    optionalField(f.counters, [8, 16], 'counters') ?? new Uint8Array(8),
  );
}

function countersFrom(profile: string, cvn: number, tx: AcTransactionData): Uint8Array {
  if (tx.counters !== undefined) return optionalField(tx.counters, [8, 16], 'counters')!;
  if (tx.iad !== undefined) {
    const c = parseMchipIad(profile, cvn, tx.iad).counters;
    if (c && (c.length === 8 || c.length === 16)) return c;
    throw iadError(profile, 'no 8- or 16-byte counters after the DAC/IDN');
  }
  throw new EmvError(EmvErrorCode.BAD_ARGUMENT, 'counters: missing (give counters or iad)');
}

function mchipProfile(id: CvnProfileId, cvn: number): CvnProfile {
  const skd = (cvn & 0x06) === 0x00;
  const withCounters = (cvn & 0x01) === 0x01;
  const parse = (iad: Bytes) => parseMchipIad(id, cvn, iad);
  return Object.freeze({
    id,
    name: `Mastercard CVN ${cvn} (0x${cvn.toString(16).toUpperCase()})`,
    scheme: 'mastercard',
    cvn,
    mkDerivation: 'A',
    sessionKey: skd ? 'mastercard-skd' : 'emv-csk',
    paddingMethod: 2,
    arpc: Object.freeze({ method: 1, key: skd ? 'icc-mk' : 'session-key' }),
    cvrLength: 6,
    acCoversIad: false,
    mdCryptogram: false,
    acDataLayout: Object.freeze([...MIN_SET, 'CVR(6)', ...(withCounters ? ['counters'] : [])]),
    buildAcData(tx: AcTransactionData): Uint8Array {
      const parts = [minimumDataSet(tx), cvrFrom(tx, 6, parse)];
      if (withCounters) parts.push(countersFrom(id, cvn, tx));
      return concatBytes(...parts);
    },
    buildIad: (f: IadFields) => buildMchipIad(cvn, f),
    parseIad: parse,
  } as const satisfies CvnProfile);
}

/**
 * Mastercard M/Chip CVN 16 (0x10): Mastercard SKD session key (R = ATC ‖ 0000 ‖ UN), AC over the
 * minimum data set ‖ CVR(6), ARPC method 1 with the ICC MK (docs/emv-cryptography.md §3.2–§3.3).
 */
export const mastercardCvn16: CvnProfile = mchipProfile('mc-16', 0x10);

/**
 * Mastercard M/Chip CVN 17 (0x11): as CVN 16, with the counters (8 or 16 bytes, as carried in the IAD
 * after the DAC/IDN) appended to the AC data (docs/emv-cryptography.md §3.3).
 */
export const mastercardCvn17: CvnProfile = mchipProfile('mc-17', 0x11);

/**
 * Mastercard CVN 20 (0x14): EMV common session key (EMV Book 2 Annex A1.3.1, R = ATC ‖ 00×6), AC over
 * the minimum data set ‖ CVR(6), ARPC method 1 with the session key (docs/emv-cryptography.md §3.2).
 */
export const mastercardCvn20: CvnProfile = mchipProfile('mc-20', 0x14);

/**
 * Mastercard CVN 21 (0x15): as CVN 20, with the counters (8 or 16 bytes, as carried in the IAD after
 * the DAC/IDN) appended to the AC data (docs/emv-cryptography.md §3.3).
 */
export const mastercardCvn21: CvnProfile = mchipProfile('mc-21', 0x15);
