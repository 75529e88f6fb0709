/**
 * Byte helpers for the CBP TA core, in plain JavaScript on Uint8Array: the core runs inside a
 * V-OS SES compartment where there is no Buffer, TextEncoder, atob or node: module
 * (docs/writing-a-ta.md §1). Hex (EMV data elements), base64url (RFC 4648 §5, JOSE), UTF-8
 * (RFC 3629, JSON payloads), big-endian integers and zeroisation.
 */

const HEX = '0123456789ABCDEF';
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const B64_INDEX: Record<string, number> = {};
for (let i = 0; i < B64URL.length; i++) B64_INDEX[B64URL[i]!] = i;

/** Upper-case hex. */
export function toHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += HEX[b[i]! >> 4]! + HEX[b[i]! & 15]!;
  return s;
}

/** Hex (either case, even length) to bytes; undefined when it is not hex. */
export function fromHex(h: string): Uint8Array | undefined {
  if (typeof h !== 'string' || h.length % 2 !== 0 || !/^[0-9A-Fa-f]*$/.test(h)) return undefined;
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(h.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Hex that the caller already validated. */
export function hex(h: string): Uint8Array {
  const b = fromHex(h);
  if (!b) throw new TypeError('not hex');
  return b;
}

export function toB64url(b: Uint8Array): string {
  let s = '';
  let i = 0;
  for (; i + 2 < b.length; i += 3) {
    const n = (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!;
    s += B64URL[(n >> 18) & 63]! + B64URL[(n >> 12) & 63]! + B64URL[(n >> 6) & 63]! + B64URL[n & 63]!;
  }
  if (b.length - i === 1) {
    const n = b[i]! << 16;
    s += B64URL[(n >> 18) & 63]! + B64URL[(n >> 12) & 63]!;
  } else if (b.length - i === 2) {
    const n = (b[i]! << 16) | (b[i + 1]! << 8);
    s += B64URL[(n >> 18) & 63]! + B64URL[(n >> 12) & 63]! + B64URL[(n >> 6) & 63]!;
  }
  return s;
}

/**
 * base64url without padding to bytes; undefined unless `s` is the canonical spelling (no
 * padding, no other characters, zero unused bits), so one value has exactly one text form.
 */
export function fromB64url(s: string): Uint8Array | undefined {
  if (typeof s !== 'string' || s.length % 4 === 1 || !/^[A-Za-z0-9_-]*$/.test(s)) return undefined;
  const out = new Uint8Array(Math.floor((s.length * 3) / 4));
  let o = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < s.length; i++) {
    acc = (acc << 6) | B64_INDEX[s[i]!]!;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
      acc &= (1 << bits) - 1;
    }
  }
  if (acc !== 0) return undefined; // non-zero unused bits: not canonical
  return out;
}

/** UTF-8 encoding of a JavaScript string (lone surrogates become U+FFFD). */
export function utf8(s: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      } else c = 0xfffd;
    } else if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return Uint8Array.from(out);
}

/** Strict UTF-8 decoding; undefined on any malformed, overlong or surrogate sequence. */
export function fromUtf8(b: Uint8Array): string | undefined {
  let s = '';
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    let cp: number;
    let n: number;
    if (c < 0x80) {
      cp = c;
      n = 0;
    } else if (c >= 0xc2 && c <= 0xdf) {
      cp = c & 0x1f;
      n = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
      cp = c & 0x0f;
      n = 2;
    } else if (c >= 0xf0 && c <= 0xf4) {
      cp = c & 0x07;
      n = 3;
    } else return undefined;
    for (let k = 1; k <= n; k++) {
      const d = b[i + k];
      if (d === undefined || (d & 0xc0) !== 0x80) return undefined;
      cp = (cp << 6) | (d & 0x3f);
    }
    if (
      (n === 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
      (n === 3 && (cp < 0x10000 || cp > 0x10ffff))
    )
      return undefined;
    s += String.fromCodePoint(cp);
    i += n + 1;
  }
  return s;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function u16(n: number): Uint8Array {
  return Uint8Array.of((n >>> 8) & 0xff, n & 0xff);
}

export function readU16(b: Uint8Array, off: number): number {
  return ((b[off]! << 8) | b[off + 1]!) >>> 0;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

/** Zeroes every array given (undefined ones are skipped). */
export function wipe(...arrays: Array<Uint8Array | undefined>): void {
  for (const a of arrays) a?.fill(0);
}

/** JSON text of `v` as UTF-8 bytes. */
export function jsonBytes(v: unknown): Uint8Array {
  return utf8(JSON.stringify(v));
}

/** Parses UTF-8 JSON bytes; undefined when they are not valid UTF-8 JSON. */
export function parseJsonBytes(b: Uint8Array): unknown {
  const s = fromUtf8(b);
  if (s === undefined) return undefined;
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return undefined;
  }
}
