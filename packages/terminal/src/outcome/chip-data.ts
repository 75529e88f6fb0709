/**
 * Chip data for the authorisation request: a flat BER-TLV list in the order acquirers put
 * into ISO 8583 field 55 (EMV Book 4 §A / the payment systems' field 55 tables: cryptogram
 * first, then the data it covers). Only tags the transaction has are written.
 */
import { encodeTlv, type TlvInput } from '@openvse/emv/tlv';

/** Field 55 order: cryptogram, its inputs, then context. 9F66/9F6C/9F7C only exist in Kernel 3 flows. */
export const CHIP_DATA_TAGS: readonly string[] = Object.freeze([
  '9F26', // Application Cryptogram
  '9F27', // Cryptogram Information Data
  '9F10', // Issuer Application Data
  '9F37', // Unpredictable Number
  '9F36', // Application Transaction Counter
  '95', // Terminal Verification Results
  '9A', // Transaction Date
  '9C', // Transaction Type
  '9F02', // Amount, Authorised
  '5F2A', // Transaction Currency Code
  '82', // Application Interchange Profile
  '9F1A', // Terminal Country Code
  '9F03', // Amount, Other
  '9F33', // Terminal Capabilities
  '9F34', // CVM Results
  '9F35', // Terminal Type
  '9F6E', // Form Factor Indicator (K3) / Third Party Data (K2)
  '5F34', // PAN Sequence Number
  '84', // Dedicated File Name
  '9F09', // Application Version Number (terminal)
  '9F1E', // Interface Device Serial Number
  '9F66', // Terminal Transaction Qualifiers (K3)
  '9F6C', // Card Transaction Qualifiers (K3)
  '9F7C', // Customer Exclusive Data (K3)
]);

/** Encodes the chip data from `data` (uppercase tag → value), in {@link CHIP_DATA_TAGS} order. */
export function buildChipData(
  data: ReadonlyMap<string, Uint8Array>,
  tags: readonly string[] = CHIP_DATA_TAGS,
): Uint8Array {
  const nodes: TlvInput[] = [];
  for (const t of tags) {
    const v = data.get(t);
    if (v !== undefined) nodes.push({ tag: t, value: v });
  }
  return encodeTlv(nodes);
}
