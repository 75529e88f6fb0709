/**
 * Hex <-> bytes with typed errors. EMV specifications and test vectors write binary data as
 * hexadecimal; every public function of this library that takes hex goes through here so that
 * odd lengths and non-hex characters fail the same way everywhere.
 */
import { EmvError, EmvErrorCode } from './errors.js';

const HEX_RE = /^[0-9A-Fa-f]*$/;

/** Decodes hex (no separators). `what` names the argument in error messages. */
export function hexToBytes(hex: string, what = 'hex'): Uint8Array {
  if (typeof hex !== 'string')
    throw new EmvError(EmvErrorCode.BAD_ARGUMENT, `${what}: expected a hex string`);
  if (hex.length % 2 !== 0)
    throw new EmvError(EmvErrorCode.HEX_ODD_LENGTH, `${what}: odd number of hex digits`);
  if (!HEX_RE.test(hex)) throw new EmvError(EmvErrorCode.HEX_INVALID, `${what}: not hexadecimal`);
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/** Encodes bytes as uppercase hex, the convention of EMV documents and of our vectors. */
export function bytesToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex').toUpperCase();
}

/** Accepts bytes or hex; returns a fresh copy the caller may zero. */
export function toBytes(input: Uint8Array | string, what = 'input'): Uint8Array {
  if (typeof input === 'string') return hexToBytes(input, what);
  if (input instanceof Uint8Array) return new Uint8Array(input);
  throw new EmvError(EmvErrorCode.BAD_ARGUMENT, `${what}: expected bytes or a hex string`);
}

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

/** Overwrites a buffer that held secret bytes. */
export function zeroize(...bufs: (Uint8Array | undefined | null)[]): void {
  for (const b of bufs) b?.fill(0);
}

/** Constant-time comparison for MACs and cryptograms. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}
