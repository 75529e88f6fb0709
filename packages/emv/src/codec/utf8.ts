/**
 * UTF-8 (RFC 3629) in plain JavaScript, for JSON carried as bytes where TextEncoder and
 * TextDecoder do not exist (a V-OS SES compartment). Decoding is strict: malformed, overlong and
 * surrogate sequences are refused, never replaced.
 */
import { EmvError, EmvErrorCode } from '../errors.js';

/** UTF-8 encoding of a JavaScript string (lone surrogates become U+FFFD, as TextEncoder does). */
export function utf8Encode(s: string): Uint8Array {
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

/** Strict UTF-8 decoding; ERR_UTF8_INVALID on any malformed, overlong or surrogate sequence. */
export function utf8Decode(b: Uint8Array, what = 'utf8'): string {
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
    } else throw new EmvError(EmvErrorCode.UTF8_INVALID, `${what}: invalid UTF-8 lead byte`);
    for (let k = 1; k <= n; k++) {
      const d = b[i + k];
      if (d === undefined || (d & 0xc0) !== 0x80)
        throw new EmvError(EmvErrorCode.UTF8_INVALID, `${what}: truncated UTF-8 sequence`);
      cp = (cp << 6) | (d & 0x3f);
    }
    if (
      (n === 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
      (n === 3 && (cp < 0x10000 || cp > 0x10ffff))
    )
      throw new EmvError(EmvErrorCode.UTF8_INVALID, `${what}: overlong or surrogate UTF-8 sequence`);
    s += String.fromCodePoint(cp);
    i += n + 1;
  }
  return s;
}
