/**
 * Verifying an attestation statement (for tests and the server): compact JWS (RFC 7515) with
 * alg exactly ES256 (allowlist, RFC 8725 §3.1), typ `openvse-attestation+jwt` (RFC 8725 §3.11),
 * kid equal to the RFC 7638 thumbprint of the pinned platform key, the expected nonce, and claims
 * that pass the exact schema and the protection-level honesty rule. Uses `jose`.
 */

import { type JsonWebKey, timingSafeEqual } from 'node:crypto';
import { ATTESTATION_TYP, SIGNATURE_ALG, TeeResult, VosError } from '@openvse/protocol';
import { calculateJwkThumbprint, errors, importJWK, jwtVerify } from 'jose';
import { type AttestationClaims, claimsProblem } from './claims.js';
import { publicP256Jwk } from './public-jwk.js';

/** Verified claims, with the JWT `iat` (epoch seconds) the statement was signed at. */
export type VerifiedAttestation = AttestationClaims & { iat: number };

function security(message: string): VosError {
  return new VosError(TeeResult.ERROR_SECURITY, `attestation: ${message}`);
}

function isCanonicalBase64url(segment: string): boolean {
  return (
    /^[A-Za-z0-9_-]*$/.test(segment) && Buffer.from(segment, 'base64url').toString('base64url') === segment
  );
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Returns the claims when `jws` is a valid attestation by the key `platformPublicJwk` over
 * `expectedNonce`. Throws VosError TEE_ERROR_SECURITY for a bad signature, algorithm, type, key id
 * or nonce, TEE_ERROR_BAD_FORMAT for signed claims that break the schema, and
 * TEE_ERROR_BAD_PARAMETERS for bad arguments. `maxAgeSeconds` optionally bounds `iat`.
 */
export async function verifyAttestation(
  jws: string,
  platformPublicJwk: JsonWebKey,
  expectedNonce: string,
  options: { maxAgeSeconds?: number } = {},
): Promise<VerifiedAttestation> {
  if (typeof jws !== 'string' || jws.length === 0)
    throw new VosError(TeeResult.ERROR_BAD_PARAMETERS, 'attestation must be a compact JWS string');
  if (typeof expectedNonce !== 'string' || expectedNonce.length === 0) {
    throw new VosError(TeeResult.ERROR_BAD_PARAMETERS, 'expected nonce must be a non-empty string');
  }
  const pub = publicP256Jwk(platformPublicJwk);
  // jose accepts base64url with non-zero unused trailing bits, so the last character of the
  // signature has several spellings that verify. Refuse them: one statement, one string (a
  // server that keys a replay cache on the token text is not fooled).
  const segments = jws.split('.');
  if (segments.length !== 3 || !segments.every(isCanonicalBase64url))
    throw security('not a canonical compact JWS');
  const kid = await calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x: pub.x!, y: pub.y! }, 'sha256');
  let payload: Record<string, unknown>;
  let header: Record<string, unknown>;
  try {
    const key = await importJWK({ kty: 'EC', crv: 'P-256', x: pub.x!, y: pub.y! }, SIGNATURE_ALG);
    const out = await jwtVerify(jws, key, {
      algorithms: [SIGNATURE_ALG],
      typ: ATTESTATION_TYP,
      ...(options.maxAgeSeconds !== undefined ? { maxTokenAge: options.maxAgeSeconds } : {}),
    });
    payload = out.payload as Record<string, unknown>;
    header = out.protectedHeader as Record<string, unknown>;
  } catch (e) {
    if (e instanceof errors.JOSEError) throw security(`${e.code}: ${e.message}`);
    throw security('not a valid JWS');
  }
  if (header.kid !== kid) throw security('kid does not name the pinned platform key');
  if (typeof payload.iat !== 'number' || !Number.isInteger(payload.iat)) {
    throw new VosError(TeeResult.ERROR_BAD_FORMAT, 'attestation: iat missing');
  }
  const problem = claimsProblem(payload, ['iat']);
  if (problem) throw new VosError(TeeResult.ERROR_BAD_FORMAT, `attestation: ${problem}`);
  const claims = payload as VerifiedAttestation;
  if (!sameText(claims.nonce, expectedNonce)) throw security('nonce does not match');
  return claims;
}
