/**
 * The ATR a contactless card shows through a PC/SC reader (docs/pcsc.md "The card's ATR").
 *
 * A PC/SC reader has no ATR from a contactless card: it builds one (PC/SC Part 3 §3.1.3.2.3). For
 * an ISO/IEC 14443-4 card it is `3B 8n 80 01 T1…Tk TCK`: TS = 3B (direct convention); T0 = 8n, TD1
 * present and n = k historical bytes; TD1 = 80, TD2 present, T=0; TD2 = 01, T=1; the historical
 * bytes are the card's ATS historical bytes (Type A) or its ATQB application data (Type B); TCK
 * is the XOR of T0 … Tk (ISO/IEC 7816-3 §8.2.5), so T0 ⊕ … ⊕ TCK = 0.
 *
 * The wallet's card uses historical bytes in the ISO/IEC 7816-4 §8.1.1 format: category indicator
 * 80 (compact-TLV data objects follow), then compact-TLV tag F, "application identifier", with
 * the AID of its EMV payment application (A0000000031010 Visa, A0000000041010 Mastercard). ATR
 * parsers (pcsc_scan, ATR_analysis, smartcard-atr.apdu.fr) print it as "Application identifier:
 * A0 00 00 00 03 10 10": a contactless ISO 14443-4 device whose application is a payment
 * scheme's, which is what a phone wallet is.
 */

/** ISO/IEC 7816-4 category indicator: compact-TLV data objects follow (no status indicator). */
const CATEGORY_COMPACT_TLV = 0x80;
/** ISO/IEC 7816-4 compact-TLV tag (high nibble) of an application identifier. */
const COMPACT_TAG_AID = 0xf;

/** TCK of an ATR body: the XOR of every byte from T0 on (ISO/IEC 7816-3 §8.2.5). */
export function atrTck(fromT0: Uint8Array): number {
  let x = 0;
  for (const b of fromT0) x ^= b;
  return x;
}

/**
 * The ATR a PC/SC reader builds for an ISO/IEC 14443-4 card with these historical bytes
 * (PC/SC Part 3 §3.1.3.2.3): `3B 8n 80 01 <historical bytes> TCK`, n = 0 … 15 bytes.
 */
export function contactlessAtr(historicalBytes: Uint8Array): Uint8Array {
  const k = historicalBytes.length;
  if (k > 15) throw new RangeError('contactlessAtr: at most 15 historical bytes');
  const body = Uint8Array.of(0x80 | k, 0x80, 0x01, ...historicalBytes);
  return Uint8Array.of(0x3b, ...body, atrTck(body));
}

/**
 * The wallet card's ATR for a payment application `aid` (hex, 5 … 13 bytes): historical bytes
 * `80 F<len> <AID>` (ISO/IEC 7816-4 compact-TLV application identifier), e.g. for Visa
 * `3B 89 80 01 80 F7 A0 00 00 00 03 10 10 DC`.
 */
export function paymentDeviceAtr(aid: string): Uint8Array {
  if (!/^(?:[0-9A-Fa-f]{2}){5,13}$/.test(aid))
    throw new RangeError('paymentDeviceAtr: AID is 5..13 bytes of hex');
  const bytes = Buffer.from(aid, 'hex');
  return contactlessAtr(Uint8Array.of(CATEGORY_COMPACT_TLV, (COMPACT_TAG_AID << 4) | bytes.length, ...bytes));
}
