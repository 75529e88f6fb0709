/**
 * base64url without padding (RFC 4648 §5), as JOSE writes keys and signatures (RFC 7515 §2),
 * in plain JavaScript. Decoding is strict: only the canonical spelling is accepted (no padding,
 * no other characters, zero unused bits), so one value has exactly one text form.
 */
import { EmvError, EmvErrorCode } from '../errors.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const INDEX: Record<string, number> = {};
for (let i = 0; i < ALPHABET.length; i++) INDEX[ALPHABET[i]!] = i;

/** Encodes bytes as unpadded base64url. */
export function bytesToBase64url(b: Uint8Array): string {
  let s = '';
  let i = 0;
  for (; i + 2 < b.length; i += 3) {
    const n = (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!;
    s += ALPHABET[(n >> 18) & 63]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + ALPHABET[n & 63]!;
  }
  if (b.length - i === 1) {
    const n = b[i]! << 16;
    s += ALPHABET[(n >> 18) & 63]! + ALPHABET[(n >> 12) & 63]!;
  } else if (b.length - i === 2) {
    const n = (b[i]! << 16) | (b[i + 1]! << 8);
    s += ALPHABET[(n >> 18) & 63]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]!;
  }
  return s;
}

/** Decodes canonical unpadded base64url; ERR_BASE64URL_INVALID for anything else. */
export function base64urlToBytes(s: string, what = 'base64url'): Uint8Array {
  if (typeof s !== 'string' || s.length % 4 === 1 || !/^[A-Za-z0-9_-]*$/.test(s))
    throw new EmvError(EmvErrorCode.BASE64URL_INVALID, `${what}: not unpadded base64url`);
  const out = new Uint8Array(Math.floor((s.length * 3) / 4));
  let o = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < s.length; i++) {
    acc = (acc << 6) | INDEX[s[i]!]!;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
      acc &= (1 << bits) - 1;
    }
  }
  if (acc !== 0) {
    out.fill(0);
    throw new EmvError(EmvErrorCode.BASE64URL_INVALID, `${what}: non-zero unused bits (not canonical)`);
  }
  return out;
}
