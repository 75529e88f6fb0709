/**
 * Reading the chip data of an authorization request (ISO 8583 field 55-style flat BER-TLV,
 * EMV Book 3 Annex B; the tags the CVN profiles MAC, EMV Book 2 §8.1.1) into the transaction
 * data the issuer verification needs, with the length of every mandatory tag checked.
 */
import { bytesToHex, hexToBytes } from '@openvse/emv/codec';
import { parseTlv, tlvToMap } from '@openvse/emv/tlv';

/** The tags every request must carry, with their exact lengths in bytes. */
export const REQUIRED_TAGS: Readonly<Record<string, number>> = Object.freeze({
  '9F26': 8,
  '9F36': 2,
  '9F02': 6,
  '9F03': 6,
  '9F1A': 2,
  '95': 5,
  '5F2A': 2,
  '9A': 3,
  '9C': 1,
  '9F37': 4,
  '82': 2,
});

/** The chip data of a request, decoded. */
export interface ChipData {
  arqc: Uint8Array;
  atc: number;
  iad: Uint8Array;
  cid: number | undefined;
  amountAuthorized: Uint8Array;
  amountOther: Uint8Array;
  terminalCountryCode: Uint8Array;
  tvr: Uint8Array;
  transactionCurrencyCode: Uint8Array;
  transactionDate: Uint8Array;
  transactionType: Uint8Array;
  unpredictableNumber: Uint8Array;
  aip: Uint8Array;
  psn: string | undefined;
  /** 9F02 as a number (n12 BCD), undefined if not numeric. */
  amount: number | undefined;
  /** 5F2A as 3 digits. */
  currency: string;
}

/** Parses chip data; returns a reason string when it is unusable. */
export function readChipData(hex: string): ChipData | { problem: string } {
  let map: Map<string, Uint8Array>;
  try {
    map = tlvToMap(parseTlv(hexToBytes(hex, 'chipData')));
  } catch {
    return { problem: 'chip data is not valid BER-TLV' };
  }
  for (const [tag, len] of Object.entries(REQUIRED_TAGS)) {
    const v = map.get(tag);
    if (!v) return { problem: `tag ${tag} missing` };
    if (v.length !== len) return { problem: `tag ${tag}: expected ${len} bytes` };
  }
  const iad = map.get('9F10');
  if (!iad || iad.length < 7 || iad.length > 32) return { problem: 'tag 9F10 missing or of a bad length' };
  const cid = map.get('9F27');
  if (cid && cid.length !== 1) return { problem: 'tag 9F27: expected 1 byte' };
  const psn = map.get('5F34');
  const amountHex = bytesToHex(map.get('9F02')!);
  const atcBytes = map.get('9F36')!;
  return {
    arqc: map.get('9F26')!,
    atc: (atcBytes[0]! << 8) | atcBytes[1]!,
    iad,
    cid: cid?.[0],
    amountAuthorized: map.get('9F02')!,
    amountOther: map.get('9F03')!,
    terminalCountryCode: map.get('9F1A')!,
    tvr: map.get('95')!,
    transactionCurrencyCode: map.get('5F2A')!,
    transactionDate: map.get('9A')!,
    transactionType: map.get('9C')!,
    unpredictableNumber: map.get('9F37')!,
    aip: map.get('82')!,
    psn: psn && psn.length === 1 ? bytesToHex(psn) : undefined,
    amount: /^[0-9]{12}$/.test(amountHex) ? Number(amountHex) : undefined,
    currency: bytesToHex(map.get('5F2A')!).slice(1),
  };
}
