/**
 * Hex <-> bytes with typed errors, in plain JavaScript (no Buffer: this module runs inside the CBP
 * TA's SES compartment too). EMV specifications and test vectors write binary data as
 * hexadecimal; every public function of this library that takes hex goes through here so that odd
 * lengths and non-hex characters fail the same way everywhere.
 */
import { EmvError, EmvErrorCode } from '../errors.js';

const HEX = '0123456789ABCDEF';
const HEX_RE = /^[0-9A-Fa-f]*$/;

/** True when `s` is a string of an even number of hex digits. */
export function isHex(s: unknown): s is string {
  return typeof s === 'string' && s.length % 2 === 0 && HEX_RE.test(s);
}

/** Decodes hex (no separators, either case). `what` names the argument in error messages. */
export function hexToBytes(hex: string, what = 'hex'): Uint8Array {
  if (typeof hex !== 'string')
    throw new EmvError(EmvErrorCode.BAD_ARGUMENT, `${what}: expected a hex string`);
  if (hex.length % 2 !== 0)
    throw new EmvError(EmvErrorCode.HEX_ODD_LENGTH, `${what}: odd number of hex digits`);
  if (!HEX_RE.test(hex)) throw new EmvError(EmvErrorCode.HEX_INVALID, `${what}: not hexadecimal`);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Encodes bytes as upper-case hex, the convention of EMV documents and of our vectors. */
export function bytesToHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    s += HEX[b >> 4]! + HEX[b & 15]!;
  }
  return s;
}

/** Accepts bytes or hex; returns a fresh copy the caller may zero. */
export function toBytes(input: Uint8Array | string, what = 'input'): Uint8Array {
  if (typeof input === 'string') return hexToBytes(input, what);
  if (input instanceof Uint8Array) return new Uint8Array(input);
  throw new EmvError(EmvErrorCode.BAD_ARGUMENT, `${what}: expected bytes or a hex string`);
}
