/**
 * The terminal side for the CBP TA tests: PDOL data for GPO_V (docs/cbp-protocol.md §4: TTQ ‖
 * 9F02 9F03 9F1A 95 5F2A 9A 9C 9F37), CDOL1 data for GENAC_M (the server's CDOL1), and the
 * field 55-style chip data the server's authorization endpoint reads, from the TA's response
 * elements (parsed with @openvse/emv).
 */
import { randomBytes } from 'node:crypto';
import { bytesToHex, encodeTlv, hexToBytes, parseTlv, tlvToMap } from '@openvse/emv';

export interface Tx {
  amount: number;
  un?: string;
  currency?: string;
  country?: string;
  date?: string;
}

export function txFields(tx: Tx) {
  return {
    amount: String(tx.amount).padStart(12, '0'),
    other: '000000000000',
    country: tx.country ?? '0250',
    tvr: '0000000000',
    currency: tx.currency ?? '0978',
    date: tx.date ?? '261128',
    type: '00',
    un: (tx.un ?? randomBytes(4).toString('hex')).toUpperCase(),
  };
}

export function pdolV(tx: Tx): { data: Uint8Array; f: ReturnType<typeof txFields> } {
  const f = txFields(tx);
  return {
    data: hexToBytes(
      `36000000${f.amount}${f.other}${f.country}${f.tvr}${f.currency}${f.date}${f.type}${f.un}`,
    ),
    f,
  };
}

/** CDOL1 = 9F02 9F03 9F1A 95 5F2A 9A 9C 9F37 9F35 9F45 9F4C 9F34 (43 bytes). */
export function cdol1M(tx: Tx): { data: Uint8Array; f: ReturnType<typeof txFields> } {
  const f = txFields(tx);
  return {
    data: hexToBytes(
      `${f.amount}${f.other}${f.country}${f.tvr}${f.currency}${f.date}${f.type}${f.un}22` +
        `0000${'00'.repeat(8)}1F0302`,
    ),
    f,
  };
}

export function elementsMap(elements: Uint8Array): Map<string, Uint8Array> {
  return tlvToMap(parseTlv(elements));
}

/** Field 55-style chip data from the card's elements and the terminal's own fields. */
export function chipData(
  elements: Uint8Array,
  f: ReturnType<typeof txFields>,
  aip: string,
  psn = '00',
): string {
  const m = elementsMap(elements);
  return bytesToHex(
    encodeTlv([
      { tag: '9F26', value: m.get('9F26')! },
      { tag: '9F27', value: m.get('9F27')! },
      { tag: '9F10', value: m.get('9F10')! },
      { tag: '9F37', value: f.un },
      { tag: '9F36', value: m.get('9F36')! },
      { tag: '95', value: f.tvr },
      { tag: '9A', value: f.date },
      { tag: '9C', value: f.type },
      { tag: '9F02', value: f.amount },
      { tag: '5F2A', value: f.currency },
      { tag: '82', value: m.get('82') ?? aip },
      { tag: '9F1A', value: f.country },
      { tag: '9F03', value: f.other },
      { tag: '5F34', value: m.get('5F34') ?? psn },
    ]),
  );
}
