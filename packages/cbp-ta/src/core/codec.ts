/**
 * The TA's few adapters over @openvse/emv's pure codecs (imported through the `codec` subpath
 * only: the TA bundle must stay free of Node, docs/architecture.md "Pure where it runs in the
 * secure world"). emv's decoders throw on malformed input; the TA's checks branch on "not
 * decodable" and answer their own errors (BAD_PARAMETERS, MESSAGE_INVALID, CORRUPT_STATE), so
 * these answer undefined instead. JSON travels as UTF-8 bytes (RFC 8259 §8.1, RFC 3629).
 */
import { base64urlToBytes, utf8Decode, utf8Encode } from '@openvse/emv/codec';

/** Canonical unpadded base64url (RFC 4648 §5) to bytes; undefined for any other spelling. */
export function base64urlOrUndefined(s: unknown): Uint8Array | undefined {
  if (typeof s !== 'string') return undefined;
  try {
    return base64urlToBytes(s);
  } catch {
    return undefined;
  }
}

/** Strict UTF-8 to a string; undefined on any malformed, overlong or surrogate sequence. */
export function utf8OrUndefined(b: Uint8Array): string | undefined {
  try {
    return utf8Decode(b);
  } catch {
    return undefined;
  }
}

/** JSON text of `v` as UTF-8 bytes. */
export function jsonBytes(v: unknown): Uint8Array {
  return utf8Encode(JSON.stringify(v));
}

/** Parses UTF-8 JSON bytes; undefined when they are not valid UTF-8 JSON. */
export function parseJsonBytes(b: Uint8Array): unknown {
  const s = utf8OrUndefined(b);
  if (s === undefined) return undefined;
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return undefined;
  }
}
