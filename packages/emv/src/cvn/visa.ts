/**
 * Visa cryptogram versions 10, 18 and '22' (docs/emv-cryptography.md §3.2; pyemv `VisaCVN10/18/22`,
 * jPOS `VISACryptogram`).
 *
 * - CVN 10 (0x0A): AC key = ICC MK_AC (Option A), no session key; AC data = minimum data set ‖
 *   CVR (4 bytes = IAD bytes 3..6, incl. its length byte 03); padding method 1; ARPC method 1
 *   with the ICC MK.
 * - CVN 18 (0x12): MK Option B (A for PANs ≤ 16 digits), EMV CSK with R = ATC ‖ 00×6; AC data =
 *   minimum data set ‖ the whole IAD; padding method 2; ARPC method 2 with the session key.
 * - CVN '22' (0x22): cryptography as CVN 18, with the 32-byte IAD format 2.
 * IAD formats 0/1/3 (CVN 10/18): 06 ‖ DKI ‖ CVN ‖ CVR(4) [‖ len ‖ issuer discretionary data].
 * IAD format 2 (CVN '22') as modelled here: 1F ‖ CVN ‖ DKI ‖ CVR(5) ‖ IDD, zero-filled to 32
 * bytes. The format 2 byte positions after the CVN are not public (Visa confidential); since the
 * AC covers the whole IAD, they do not change any cryptogram.
 */
import { concatBytes } from '../codec/bytes.js';
import { toBytes } from '../codec/hex.js';
import { cvrFrom, iadError, requiredIad } from './iad-common.js';
import { fixedField, indexByte, minimumDataSet } from './transaction-data.js';
import type { AcTransactionData, Bytes, CvnProfile, IadFields, ParsedIad } from './types.js';

const MIN_SET = ['9F02', '9F03', '9F1A', '95', '5F2A', '9A', '9C', '9F37', '82', '9F36'] as const;

function buildVisaFormat1Iad(cvn: number, f: IadFields): Uint8Array {
  const head = new Uint8Array([0x06, indexByte(f.dki, 'dki'), cvn]);
  const cvr = fixedField(f.cvr, 4, 'cvr');
  if (f.issuerDiscretionaryData === undefined) return concatBytes(head, cvr);
  const idd = toBytes(f.issuerDiscretionaryData, 'issuerDiscretionaryData');
  if (idd.length > 24) throw iadError('visa', 'issuer discretionary data longer than 24 bytes');
  return concatBytes(head, cvr, new Uint8Array([idd.length]), idd);
}

function parseVisaFormat1Iad(profile: string, cvn: number, iad: Bytes): ParsedIad {
  const b = toBytes(iad, 'iad');
  if (b.length < 7 || b[0] !== 0x06) throw iadError(profile, 'expected 06 ‖ DKI ‖ CVN ‖ CVR(4)');
  if (b[2] !== cvn) throw iadError(profile, `CVN byte is ${b[2]}, expected ${cvn}`);
  const out: ParsedIad = { dki: b[1]!, cvn: b[2]!, cvr: b.slice(3, 7) };
  if (b.length > 7) {
    const n = b[7]!;
    if (b.length < 8 + n) throw iadError(profile, 'issuer discretionary data truncated');
    out.issuerDiscretionaryData = b.slice(8, 8 + n);
  }
  return out;
}

function buildVisaFormat2Iad(cvn: number, f: IadFields): Uint8Array {
  const out = new Uint8Array(32);
  out[0] = 0x1f;
  out[1] = cvn;
  out[2] = indexByte(f.dki, 'dki');
  out.set(fixedField(f.cvr, 5, 'cvr'), 3);
  if (f.issuerDiscretionaryData !== undefined) {
    const idd = toBytes(f.issuerDiscretionaryData, 'issuerDiscretionaryData');
    if (idd.length > 24) throw iadError('visa-22', 'issuer discretionary data longer than 24 bytes');
    out.set(idd, 8);
  }
  return out;
}

function parseVisaFormat2Iad(iad: Bytes): ParsedIad {
  const b = toBytes(iad, 'iad');
  if (b.length !== 32 || b[0] !== 0x1f) throw iadError('visa-22', 'expected 32 bytes starting 1F');
  if (b[1] !== 0x22) throw iadError('visa-22', `CVN byte is ${b[1]}, expected 0x22`);
  return { cvn: b[1]!, dki: b[2]!, cvr: b.slice(3, 8), issuerDiscretionaryData: b.slice(8) };
}

/**
 * Visa CVN 10 (0x0A): the ICC MK_AC (Option A) is the AC key, with no session key; AC over the
 * minimum data set ‖ CVR(4) with padding method 1; ARPC method 1 with the ICC MK
 * (docs/emv-cryptography.md §3.2).
 */
export const visaCvn10: CvnProfile = Object.freeze({
  id: 'visa-10',
  name: 'Visa CVN 10 (0x0A)',
  scheme: 'visa',
  cvn: 0x0a,
  mkDerivation: 'A',
  sessionKey: 'none',
  paddingMethod: 1,
  arpc: Object.freeze({ method: 1, key: 'icc-mk' }),
  cvrLength: 4,
  acCoversIad: false,
  mdCryptogram: false,
  acDataLayout: Object.freeze([...MIN_SET, 'CVR(4)']),
  buildAcData(tx: AcTransactionData): Uint8Array {
    return concatBytes(
      minimumDataSet(tx),
      cvrFrom(tx, 4, (i) => parseVisaFormat1Iad('visa-10', 0x0a, i)),
    );
  },
  buildIad: (f: IadFields) => buildVisaFormat1Iad(0x0a, f),
  parseIad: (iad: Bytes) => parseVisaFormat1Iad('visa-10', 0x0a, iad),
} as const satisfies CvnProfile);

function visaSessionKeyProfile(
  id: 'visa-18' | 'visa-22',
  name: string,
  cvn: number,
  cvrLength: number,
  build: (f: IadFields) => Uint8Array,
  parse: (iad: Bytes) => ParsedIad,
): CvnProfile {
  return Object.freeze({
    id,
    name,
    scheme: 'visa',
    cvn,
    mkDerivation: 'B',
    sessionKey: 'emv-csk',
    paddingMethod: 2,
    arpc: Object.freeze({ method: 2, key: 'session-key' }),
    cvrLength,
    acCoversIad: true,
    mdCryptogram: false,
    acDataLayout: Object.freeze([...MIN_SET, '9F10 (whole IAD)']),
    buildAcData(tx: AcTransactionData): Uint8Array {
      return concatBytes(minimumDataSet(tx), requiredIad(tx));
    },
    buildIad: build,
    parseIad: parse,
  } as const satisfies CvnProfile);
}

/**
 * Visa CVN 18 (0x12): EMV common session key (EMV Book 2 Annex A1.3.1) from MK_AC by Option B; AC
 * over the minimum data set ‖ the whole IAD with padding method 2; ARPC method 2 with the session
 * key (docs/emv-cryptography.md §3.2).
 */
export const visaCvn18: CvnProfile = visaSessionKeyProfile(
  'visa-18',
  'Visa CVN 18 (0x12)',
  0x12,
  4,
  (f) => buildVisaFormat1Iad(0x12, f),
  (iad) => parseVisaFormat1Iad('visa-18', 0x12, iad),
);

/**
 * Visa CVN '22' (0x22): the cryptography of CVN 18 with the 32-byte IAD format 2, whose layout
 * after the CVN byte is modelled, not public (docs/emv-cryptography.md §3.2).
 */
export const visaCvn22: CvnProfile = visaSessionKeyProfile(
  'visa-22',
  "Visa CVN '22' (0x22)",
  0x22,
  5,
  (f) => buildVisaFormat2Iad(0x22, f),
  parseVisaFormat2Iad,
);
