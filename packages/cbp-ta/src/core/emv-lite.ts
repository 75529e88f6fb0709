/**
 * The few EMV encodings the CBP TA needs, in plain JavaScript (the TA cannot load @openvse/emv,
 * which uses Buffer and node:crypto): primitive BER-TLV encoding (EMV Book 3 Annex B), BCD of the
 * account parameters index (docs/design.md "Profile V": BCD("0" ‖ API)), n12 amounts (Book 3
 * Annex A, format n), and track 2 equivalent data (tag 57). Cross-checked against @openvse/emv in
 * test/emv-lite.test.ts.
 */
import { concat, fromHex, hex } from './bytes.js';

/** BER-TLV length octets (definite form). */
export function encodeLength(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  if (n < 0x100) return Uint8Array.of(0x81, n);
  if (n < 0x10000) return Uint8Array.of(0x82, n >> 8, n & 0xff);
  throw new RangeError('TLV value too long');
}

/** One primitive TLV: `tag` as hex (e.g. '9F26'), value bytes. */
export function tlv(tag: string, value: Uint8Array): Uint8Array {
  return concat(hex(tag), encodeLength(value.length), value);
}

/** Concatenated primitive TLVs in the given order. */
export function tlvList(items: Array<[string, Uint8Array]>): Uint8Array {
  return concat(...items.map(([t, v]) => tlv(t, v)));
}

/** Packs an even number of decimal digits into BCD. */
export function digitsToBcd(digits: string): Uint8Array {
  if (!/^[0-9]*$/.test(digits) || digits.length % 2 !== 0)
    throw new RangeError('expected an even digit count');
  return hex(digits);
}

/** BCD("0" ‖ API), 4 bytes, for a 7-digit API. */
export function encodeApiBcd(api: string): Uint8Array {
  if (!/^[0-9]{7}$/.test(api)) throw new RangeError('api: expected 7 digits');
  return digitsToBcd(`0${api}`);
}

/** An n12 amount (6 bytes BCD) for a non-negative integer up to 999 999 999 999. */
export function encodeN12(amount: number): Uint8Array {
  if (!Number.isInteger(amount) || amount < 0 || amount > 999_999_999_999) throw new RangeError('amount');
  return digitsToBcd(String(amount).padStart(12, '0'));
}

/** Decodes BCD digits (format n); undefined if a nibble is above 9. */
export function decodeBcdNumber(b: Uint8Array): number | undefined {
  let n = 0;
  for (let i = 0; i < b.length; i++) {
    const hi = b[i]! >> 4;
    const lo = b[i]! & 15;
    if (hi > 9 || lo > 9) return undefined;
    n = n * 100 + hi * 10 + lo;
  }
  return n;
}

/** Track 2 equivalent data (tag 57): PAN ‖ D ‖ YYMM ‖ service code 201 ‖ 0000000000 ‖ F pad. */
export function track2(pan: string, expiry: string): Uint8Array {
  let t = `${pan}D${expiry}2010000000000`;
  if (t.length % 2 === 1) t += 'F';
  const b = fromHex(t);
  if (!b) throw new RangeError('track 2');
  return b;
}
