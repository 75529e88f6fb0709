/**
 * Byte-array helpers shared by every part of the library (and bundled into the CBP TA):
 * concatenation, big-endian u16, constant-time comparison and zeroisation of secrets.
 */
import { EmvError, EmvErrorCode } from '../errors.js';

/** The parts one after another, in a new array. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
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

/** `n` (0..65535) as two bytes, big-endian (ATCs, lengths). */
export function u16Bytes(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffff)
    throw new EmvError(EmvErrorCode.BAD_ARGUMENT, 'u16: expected an integer 0..65535');
  return Uint8Array.of(n >>> 8, n & 0xff);
}

/** The big-endian u16 at `offset` (the caller checks the bounds). */
export function readU16(b: Uint8Array, offset: number): number {
  return ((b[offset]! << 8) | b[offset + 1]!) >>> 0;
}

/** Overwrites buffers that held secret bytes (undefined and null are skipped). */
export function zeroize(...bufs: (Uint8Array | undefined | null)[]): void {
  for (const b of bufs) b?.fill(0);
}

/** Constant-time comparison for MACs and cryptograms (time depends on the length only). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

/** The char codes of a string whose characters are all below U+0100 (ISO/IEC 8859-1) as bytes. */
export function latin1Bytes(s: string, what = 'text'): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) throw new EmvError(EmvErrorCode.BAD_ARGUMENT, `${what}: character beyond U+00FF`);
    out[i] = c;
  }
  return out;
}
