/**
 * The encoding of V-OS requests and replies on the process channel (docs/process-boundary.md
 * "Channel"): JSON (RFC 8259) with two tagged forms for what JSON lacks — a Uint8Array is
 * `{"$u8": "<base64>"}`, a bigint is `{"$big": "<decimal>"}`. Decoding is JSON.parse plus a
 * reviver: no code runs, nothing but plain data comes out. The receiving side still checks every
 * field (service/requests.ts on the V-OS side), so a malformed frame is an error reply, never a
 * crash.
 */

const U8 = '$u8';
const BIG = '$big';

function replace(this: unknown, _key: string, value: unknown): unknown {
  if (value instanceof Uint8Array)
    return { [U8]: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  if (typeof value === 'bigint') return { [BIG]: value.toString() };
  return value;
}

function revive(_key: string, value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  if (keys.length !== 1) return value;
  const v = (value as Record<string, unknown>)[keys[0]!];
  if (keys[0] === U8 && typeof v === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(v))
    return new Uint8Array(Buffer.from(v, 'base64'));
  if (keys[0] === BIG && typeof v === 'string' && /^-?[0-9]{1,40}$/.test(v)) return BigInt(v);
  return value;
}

/** One message as UTF-8 bytes. */
export function encodeMessage(message: unknown): Buffer {
  return Buffer.from(JSON.stringify(message, replace), 'utf8');
}

/** The message in `bytes`, or undefined when they are not valid JSON. */
export function decodeMessage(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'), revive) as unknown;
  } catch {
    return undefined;
  }
}
