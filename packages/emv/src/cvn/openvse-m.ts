/**
 * OpenVSE profile M: M/Chip cloud card with single-use keys, CVN 0x14 (docs/design.md
 * "Profile M"; docs/emv-cryptography.md §4.3–§4.5, the MCBP cloud M/Chip GENERATE AC).
 *
 * - SK_UMD = CSK(MK_AC, ATC ‖ 00×6), SK_MD = CSK(MK_MD, ATC ‖ 00×6); MK_AC and MK_MD by
 *   Option A from IMK_AC and IMK_MD. With a mobile PIN the card receives SUK_UMD =
 *   mixMobilePin(SK_UMD, PIN) and mixes the PIN back in.
 * - AC input (39 bytes) = CDOL1 data bytes 0..28 (9F02 9F03 9F1A 95 5F2A 9A 9C 9F37) ‖ AIP ‖
 *   ATC ‖ CVR(6); 9F26 = MAC algorithm 3, padding method 2, under SK_UMD; the MD cryptogram is
 *   the same MAC under SK_MD, of which the leftmost 5 bytes go into IAD bytes 11..15.
 * - IAD (18 bytes) = KDI ‖ 14 ‖ CVR(6) ‖ IDN/DAC(2) ‖ counters(1) ‖ MD(5) ‖ 00 00.
 * - ARPC: method 1 with SK_UMD (as Mastercard CVN 20).
 */
import { concatBytes } from '../codec/bytes.js';
import { toBytes } from '../codec/hex.js';
import { cvrFrom, iadError, optionalField } from './iad-common.js';
import { fixedField, indexByte, minimumDataSet } from './transaction-data.js';
import type { AcTransactionData, Bytes, CvnProfile, IadFields, ParsedIad } from './types.js';

/** CVN byte of OpenVSE profile M, 0x14 (as Mastercard CVN 20): the second byte of its IAD. */
export const OPENVSE_M_CVN = 0x14;

/** Length in bytes of the profile M IAD (tag 9F10): 18. */
export const OPENVSE_M_IAD_LENGTH = 18;

function buildIad(f: IadFields): Uint8Array {
  const md = optionalField(f.mdCryptogram, [5, 8], 'mdCryptogram');
  if (md === undefined) throw iadError('openvse-m', 'mdCryptogram missing');
  return concatBytes(
    new Uint8Array([indexByte(f.dki, 'kdi'), OPENVSE_M_CVN]),
    fixedField(f.cvr, 6, 'cvr'),
    optionalField(f.dacIdn, [2], 'dacIdn') ?? new Uint8Array(2),
    optionalField(f.counters, [1], 'counters') ?? new Uint8Array(1),
    md.subarray(0, 5),
    new Uint8Array(2),
  );
}

function parseIad(iad: Bytes): ParsedIad {
  const b = toBytes(iad, 'iad');
  if (b.length !== OPENVSE_M_IAD_LENGTH) throw iadError('openvse-m', `expected 18 bytes, got ${b.length}`);
  if (b[1] !== OPENVSE_M_CVN) throw iadError('openvse-m', `CVN byte is ${b[1]}, expected 0x14`);
  return {
    dki: b[0]!,
    cvn: b[1]!,
    cvr: b.slice(2, 8),
    dacIdn: b.slice(8, 10),
    counters: b.slice(10, 11),
    mdCryptogram: b.slice(11, 16),
  };
}

/**
 * OpenVSE profile M, the M/Chip cloud card with single-use keys (docs/design.md "Profile M"): the AC
 * under SK_UMD and the MD cryptogram under SK_MD (EMV common session keys, R = ATC ‖ 00×6), both
 * MAC algorithm 3 with padding method 2 over the minimum data set ‖ CVR(6), 39 bytes; ARPC method 1
 * with SK_UMD (docs/emv-cryptography.md §4.3–§4.4).
 */
export const openvseProfileM: CvnProfile = Object.freeze({
  id: 'openvse-m',
  name: 'OpenVSE profile M (M/Chip cloud, CVN 0x14, UMD + MD)',
  scheme: 'openvse',
  cvn: OPENVSE_M_CVN,
  mkDerivation: 'A',
  sessionKey: 'emv-csk',
  paddingMethod: 2,
  arpc: Object.freeze({ method: 1, key: 'session-key' }),
  cvrLength: 6,
  acCoversIad: false,
  mdCryptogram: true,
  acDataLayout: Object.freeze([
    '9F02',
    '9F03',
    '9F1A',
    '95',
    '5F2A',
    '9A',
    '9C',
    '9F37',
    '82',
    '9F36',
    'CVR(6)',
  ]),
  buildAcData(tx: AcTransactionData): Uint8Array {
    return concatBytes(minimumDataSet(tx), cvrFrom(tx, 6, parseIad));
  },
  buildIad,
  parseIad,
} as const satisfies CvnProfile);
