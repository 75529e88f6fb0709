/**
 * A compact JWS (RFC 7515) under a key pinned at enrollment (docs/cbp-protocol.md): the V-OS
 * platform key (device reports, request proofs) or the TA signing key (statements). One check for
 * the three: the signature with the only algorithm (ES256; RFC 8725 §3.1), then the explicit
 * `typ` (RFC 8725 §3.11) and the `kid` of the pinned key, then a payload that is a JSON object.
 * It says which step refused, never why in words: each caller answers with its own error.
 */
import { SIGNATURE_ALG } from '@openvse/protocol';
import { compactVerify, importJWK, type JWK } from 'jose';

/** The first step that refused: in the order they are checked. */
export type PinnedJwsFailure = 'signature' | 'typ' | 'kid' | 'json' | 'object';

/** The payload's claims, or the step that refused. */
export async function verifyPinnedJws(
  jws: string,
  pinnedJwk: string,
  expected: { typ: string; kid: string },
): Promise<{ claims: Record<string, unknown> } | { failure: PinnedJwsFailure }> {
  let payload: Uint8Array;
  let header: Record<string, unknown>;
  try {
    const key = await importJWK(JSON.parse(pinnedJwk) as JWK, SIGNATURE_ALG);
    const r = await compactVerify(jws, key, { algorithms: [SIGNATURE_ALG] });
    payload = r.payload;
    header = r.protectedHeader as Record<string, unknown>;
  } catch {
    return { failure: 'signature' };
  }
  if (header.typ !== expected.typ) return { failure: 'typ' };
  if (header.kid !== expected.kid) return { failure: 'kid' };
  let claims: unknown;
  try {
    claims = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch {
    return { failure: 'json' };
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) return { failure: 'object' };
  return { claims: claims as Record<string, unknown> };
}
