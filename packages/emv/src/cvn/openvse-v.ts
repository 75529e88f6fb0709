/**
 * OpenVSE profile V: qVSDC cloud card, CVN 0x43 as OpenVSE defines it (docs/design.md "Profile V";
 * docs/emv-cryptography.md §4.1–§4.2: the layout that MACs the whole IAD).
 *
 * - AC key: LUK = EMV CSK(MK_AC, R = 00000000 ‖ BCD("0" ‖ API)); MK_AC by Option A
 *   (Option B for PANs over 16 digits).
 * - IAD (32 bytes): 1F ‖ 43 ‖ DKI ‖ CVR(4) ‖ BCD("0" ‖ API)(4) ‖ PIN MAC(4) ‖ 00×17.
 * - AC data: PDOL data without TTQ (9F02 9F03 9F1A 95 5F2A 9A 9C 9F37, 29 bytes) ‖ AIP ‖ ATC ‖
 *   IAD(32) = 65 bytes; ISO/IEC 9797-1 MAC algorithm 3, padding method 2, under the LUK.
 * - Mobile PIN (CDCVM, docs/emv-cryptography.md §4.6): a tap that claims CDCVM (CVR byte 1 bit 8)
 *   carries in IAD bytes 11..14 the leftmost 4 bytes of MAC algorithm 3, padding method 2, under
 *   mixMobilePin(LUK, PIN) over the AC data with those 4 bytes zero; the AC then covers them.
 *   Zeros when no CDCVM is claimed.
 * - ARPC (OpenVSE choice; the card never checks it in a contactless flow): method 1 with the LUK.
 */

import { concatBytes, zeroize } from '../codec/bytes.js';
import { toBytes } from '../codec/hex.js';
import { macIso9797Alg3 } from '../crypto/mac-iso9797.js';
import { EmvError, EmvErrorCode } from '../errors.js';
import { decodeApiBcd, encodeApiBcd } from '../keys/luk.js';
import { mixMobilePin } from '../keys/mobile-pin.js';
import { iadError, requiredIad } from './iad-common.js';
import { fixedField, indexByte, minimumDataSet } from './transaction-data.js';
import type { AcTransactionData, Bytes, CvnProfile, IadFields, ParsedIad } from './types.js';

/** CVN byte of OpenVSE profile V, 0x43: the second byte of its IAD. */
export const OPENVSE_V_CVN = 0x43;

/** Length in bytes of the profile V IAD (tag 9F10): 32. */
export const OPENVSE_V_IAD_LENGTH = 32;

/** Where the profile V IAD carries the mobile-PIN MAC: bytes 11..14. */
export const OPENVSE_V_PIN_MAC_OFFSET = 11;
/** Length of the mobile-PIN MAC: 4 bytes. */
export const OPENVSE_V_PIN_MAC_LENGTH = 4;

/** True when a profile V CVR (4 bytes) claims "CDCVM performed" (byte 1, bit 8). */
export function openvseVCdcvmClaimed(cvr: Uint8Array): boolean {
  return cvr.length === 4 && (cvr[0]! & 0x80) !== 0;
}

/**
 * The mobile-PIN MAC of a profile V tap (see the module comment): `acData` is the 65-byte AC data,
 * its PIN MAC field is read as zero whatever it holds. The mixed key and the copy are zeroed.
 */
export function openvseVPinMac(luk: Bytes, pin: Uint8Array | string, acData: Bytes): Uint8Array {
  const data = toBytes(acData, 'acData');
  if (data.length !== 33 + OPENVSE_V_IAD_LENGTH)
    throw new EmvError(EmvErrorCode.DATA_LENGTH, 'acData: expected 65 bytes');
  const at = 33 + OPENVSE_V_PIN_MAC_OFFSET;
  data.fill(0, at, at + OPENVSE_V_PIN_MAC_LENGTH);
  const key = mixMobilePin(luk, pin);
  let mac: Uint8Array | undefined;
  try {
    mac = macIso9797Alg3(key, data, 2);
    return mac.slice(0, OPENVSE_V_PIN_MAC_LENGTH);
  } finally {
    zeroize(key, mac, data);
  }
}

function buildIad(f: IadFields): Uint8Array {
  if (f.api === undefined) throw iadError('openvse-v', 'api missing');
  const out = new Uint8Array(OPENVSE_V_IAD_LENGTH);
  out[0] = 0x1f;
  out[1] = OPENVSE_V_CVN;
  out[2] = indexByte(f.dki, 'dki');
  out.set(fixedField(f.cvr, 4, 'cvr'), 3);
  out.set(encodeApiBcd(f.api), 7);
  if (f.mobilePinMac !== undefined)
    out.set(fixedField(f.mobilePinMac, OPENVSE_V_PIN_MAC_LENGTH, 'mobilePinMac'), OPENVSE_V_PIN_MAC_OFFSET);
  return out;
}

function parseIad(iad: Bytes): ParsedIad {
  const b = toBytes(iad, 'iad');
  if (b.length !== OPENVSE_V_IAD_LENGTH || b[0] !== 0x1f)
    throw iadError('openvse-v', 'expected 32 bytes starting 1F');
  if (b[1] !== OPENVSE_V_CVN) throw iadError('openvse-v', `CVN byte is ${b[1]}, expected 0x43`);
  return {
    cvn: b[1]!,
    dki: b[2]!,
    cvr: b.slice(3, 7),
    api: decodeApiBcd(b.slice(7, 11)),
    mobilePinMac: b.slice(OPENVSE_V_PIN_MAC_OFFSET, OPENVSE_V_PIN_MAC_OFFSET + OPENVSE_V_PIN_MAC_LENGTH),
  };
}

/**
 * OpenVSE profile V, the qVSDC cloud card with limited-use keys (docs/design.md "Profile V"): AC =
 * MAC algorithm 3, padding method 2, under the LUK over the minimum data set ‖ the 32-byte IAD, 65
 * bytes (an IAD of another length is ERR_IAD_INVALID); MK_AC by Option B, which is Option A for
 * PANs of 16 digits or fewer; ARPC method 1 with the LUK (docs/emv-cryptography.md §4.1–§4.2).
 */
export const openvseProfileV: CvnProfile = Object.freeze({
  id: 'openvse-v',
  name: 'OpenVSE profile V (qVSDC cloud, CVN 0x43)',
  scheme: 'openvse',
  cvn: OPENVSE_V_CVN,
  mkDerivation: 'B',
  sessionKey: 'openvse-luk',
  paddingMethod: 2,
  arpc: Object.freeze({ method: 1, key: 'session-key' }),
  cvrLength: 4,
  acCoversIad: true,
  mdCryptogram: false,
  mobilePinMac: Object.freeze({ iadOffset: OPENVSE_V_PIN_MAC_OFFSET, length: OPENVSE_V_PIN_MAC_LENGTH }),
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
    '9F10 (32)',
  ]),
  buildAcData(tx: AcTransactionData): Uint8Array {
    const iad = requiredIad(tx);
    if (iad.length !== OPENVSE_V_IAD_LENGTH) throw iadError('openvse-v', 'expected 32 bytes');
    return concatBytes(minimumDataSet(tx), iad);
  },
  buildIad,
  parseIad,
} as const satisfies CvnProfile);
