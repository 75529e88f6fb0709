/**
 * DES key parity (FIPS 46-3 §3: the low bit of each key byte makes the byte's bit count odd).
 *
 * DES ignores parity bits, so cryptograms and KCVs do not depend on them, but EMV key management
 * (Book 2 Annex A1.4: "MK … with odd parity") and HSMs expect odd-parity keys. Used after every
 * TDES key derivation in keys/.
 */
import { toBytes } from '../codec/hex.js';

type Bytes = Uint8Array | string;

function oddParityByte(b: number): number {
  let ones = 0;
  for (let v = b >> 1; v; v >>= 1) ones += v & 1;
  return (b & 0xfe) | (ones % 2 === 0 ? 1 : 0);
}

/** Returns a copy of `key` with every byte set to odd parity (the input is not modified). */
export function adjustOddParity(key: Bytes): Uint8Array {
  const out = toBytes(key, 'key');
  for (let i = 0; i < out.length; i++) out[i] = oddParityByte(out[i]!);
  return out;
}

/** In-place variant for buffers this library owns (avoids an extra copy of key bytes). */
export function adjustOddParityInPlace(key: Uint8Array): Uint8Array {
  for (let i = 0; i < key.length; i++) key[i] = oddParityByte(key[i]!);
  return key;
}

/** True when every byte of `key` has odd parity. */
export function hasOddParity(key: Bytes): boolean {
  const k = toBytes(key, 'key');
  let ok = true;
  for (let i = 0; i < k.length; i++) if (oddParityByte(k[i]!) !== k[i]) ok = false;
  k.fill(0);
  return ok;
}
