/**
 * A compact JWS (RFC 7515) under a key pinned at enrollment (docs/cbp-protocol.md): the V-OS
 * platform key (device reports, request proofs) or the TA signing key (statements). One check for
 * the three: the signature with the only algorithm (ES256; RFC 8725 §3.1; verified here with
 * node:crypto, synchronously, on the imported key kept per device), then the explicit
 * `typ` (RFC 8725 §3.11) and the `kid` of the pinned key, then a payload that is a JSON object.
 * It says which step refused, never why in words: each caller answers with its own error.
 */
import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { SIGNATURE_ALG } from '@openvse/protocol';
import type { JWK } from 'jose';

const KEYS_MAX = 10_000;
/**
 * Pinned public keys as imported, by their JWK text: importing a key costs more than verifying
 * with it, and a device sends many reports and proofs under one key. Public keys only; bounded
 * (the oldest entry goes first).
 */
const imported = new Map<string, KeyObject>();

function publicKeyOf(pinnedJwk: string): KeyObject {
  let key = imported.get(pinnedJwk);
  if (!key) {
    const jwk = JSON.parse(pinnedJwk) as JWK;
    // Only what an ES256 public key is: a private member or another curve is refused here.
    if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || jwk.d !== undefined)
      throw new Error('not a P-256 public key');
    key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, format: 'jwk' });
    if (imported.size >= KEYS_MAX) imported.delete(imported.keys().next().value as string);
    imported.set(pinnedJwk, key);
  }
  return key;
}

/** The first step that refused: in the order they are checked. */
export type PinnedJwsFailure = 'signature' | 'typ' | 'kid' | 'json' | 'object';

const B64URL = /^[A-Za-z0-9_-]*$/;

/**
 * RFC 7515 §5.2 for the one case this server accepts: compact serialization, a protected header
 * that is a JSON object with `alg` ES256 and no `crit` / `b64` (no extension is understood, so
 * none may be required), and an ECDSA P-256 signature in its JWS form (r ‖ s, RFC 7518 §3.4),
 * verified with node:crypto synchronously. The header and payload bytes, or undefined.
 */
function verifyCompactEs256(
  jws: string,
  key: KeyObject,
): { header: Record<string, unknown>; payload: Buffer } | undefined {
  const parts = jws.split('.');
  if (parts.length !== 3) return undefined;
  const [h, p, sig] = parts as [string, string, string];
  if (!B64URL.test(h) || !B64URL.test(p) || !B64URL.test(sig)) return undefined;
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(h, 'base64url')));
  } catch {
    return undefined;
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return undefined;
  const hdr = header as Record<string, unknown>;
  if (hdr.alg !== SIGNATURE_ALG || hdr.crit !== undefined || hdr.b64 !== undefined) return undefined;
  const signature = Buffer.from(sig, 'base64url');
  if (signature.length !== 64) return undefined;
  const ok = verify(
    'sha256',
    Buffer.from(`${h}.${p}`, 'ascii'),
    { key, dsaEncoding: 'ieee-p1363' },
    signature,
  );
  return ok ? { header: hdr, payload: Buffer.from(p, 'base64url') } : undefined;
}

/** The payload's claims, or the step that refused. */
export async function verifyPinnedJws(
  jws: string,
  pinnedJwk: string,
  expected: { typ: string; kid: string },
): Promise<{ claims: Record<string, unknown> } | { failure: PinnedJwsFailure }> {
  let payload: Uint8Array;
  let header: Record<string, unknown>;
  try {
    const r = verifyCompactEs256(jws, publicKeyOf(pinnedJwk));
    if (!r) return { failure: 'signature' };
    payload = r.payload;
    header = r.header;
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
