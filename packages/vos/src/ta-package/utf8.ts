/**
 * Strict UTF-8 (RFC 3629) for TA code and manifests: decoding refuses malformed sequences and
 * encoding refuses strings with lone surrogates, so the bytes that are hashed and signed are the
 * bytes of the one string the runtime evaluates.
 */
import { VosError } from '@openvse/protocol';

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();

/** Decodes UTF-8 or throws VosError(result). A BOM is kept as U+FEFF, never silently dropped. */
export function decodeUtf8Strict(bytes: Uint8Array, result: number, what: string): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw new VosError(result, `${what} is not valid UTF-8`);
  }
}

/** Encodes a string as UTF-8, or throws VosError(result) when it holds lone surrogates. */
export function encodeUtf8Strict(text: string, result: number, what: string): Uint8Array {
  const bytes = encoder.encode(text);
  if (decoder.decode(bytes) !== text) throw new VosError(result, `${what} is not well-formed Unicode`);
  return bytes;
}
