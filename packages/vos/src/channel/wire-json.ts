/**
 * The encoding of V-OS requests and replies on the process channel (docs/process-boundary.md
 * "The channel"): JSON (RFC 8259) with two tagged forms for what JSON lacks — a Uint8Array is
 * `{"$u8": "<base64>"}`, a bigint is `{"$big": "<decimal>"}`. Decoding is JSON.parse plus a walk
 * that turns exactly those one-key objects back: no code runs, nothing but plain data comes out.
 * The receiving side still checks every field (service/requests.ts on the V-OS side), so a
 * malformed frame is an error reply, never a crash.
 *
 * Both directions keep V8's fast paths: a message with no bytes or bigint in it is stringified
 * without a replacer, and parsing uses no reviver (a replacer or reviver is a JS call per key;
 * bench/vos-process measures every command's round trip).
 */

const U8 = '$u8';
const BIG = '$big';
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const DECIMAL = /^-?[0-9]{1,40}$/;
/** Deeper than any request or reply; deeper input is left as it is (and then refused as malformed). */
const MAX_DEPTH = 64;

function replace(this: unknown, _key: string, value: unknown): unknown {
  if (value instanceof Uint8Array)
    return { [U8]: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  if (typeof value === 'bigint') return { [BIG]: value.toString() };
  return value;
}

/** True when `v` holds a Uint8Array or a bigint anywhere JSON.stringify would look. */
function needsTags(v: unknown, depth: number): boolean {
  if (typeof v === 'bigint') return true;
  if (typeof v !== 'object' || v === null) return false;
  if (ArrayBuffer.isView(v)) return true;
  if (depth > MAX_DEPTH) return true; // let the replacer path decide (and JSON's own limits)
  if (Array.isArray(v)) {
    for (const x of v) if (needsTags(x, depth + 1)) return true;
    return false;
  }
  for (const k in v)
    if (Object.hasOwn(v, k) && needsTags((v as Record<string, unknown>)[k], depth + 1)) return true;
  return false;
}

/** `{"$u8": base64}` → bytes, `{"$big": decimal}` → bigint, anything else unchanged. */
function untag(value: Record<string, unknown>): unknown {
  let only: string | undefined;
  for (const k in value) {
    if (only !== undefined) return value; // a second key: plain data
    only = k;
  }
  if (only === U8) {
    const v = value[U8];
    if (typeof v === 'string' && BASE64.test(v)) return new Uint8Array(Buffer.from(v, 'base64'));
  } else if (only === BIG) {
    const v = value[BIG];
    if (typeof v === 'string' && DECIMAL.test(v)) return BigInt(v);
  }
  return value;
}

/** Replaces tagged objects inside `v` in place, innermost first (what a reviver would do). */
function revive(v: unknown, depth: number): unknown {
  if (typeof v !== 'object' || v === null || depth > MAX_DEPTH) return v;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = revive(v[i], depth + 1);
    return v;
  }
  const o = v as Record<string, unknown>;
  for (const k in o) {
    const before = o[k];
    const after = revive(before, depth + 1);
    // A data property, never `o[k] =`: JSON can carry an own "__proto__" key, and assigning it would
    // set the object's prototype.
    if (after !== before)
      Object.defineProperty(o, k, { value: after, writable: true, enumerable: true, configurable: true });
  }
  return untag(o);
}

/** One message as UTF-8 bytes. */
export function encodeMessage(message: unknown): Buffer {
  const text = needsTags(message, 0) ? JSON.stringify(message, replace) : JSON.stringify(message);
  return Buffer.from(text ?? 'null', 'utf8');
}

/** The message in `bytes`, or undefined when they are not valid JSON. */
export function decodeMessage(bytes: Buffer): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
  return revive(parsed, 0);
}
