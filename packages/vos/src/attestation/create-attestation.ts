/**
 * Creating an attestation statement: a compact JWS (RFC 7515) signed ES256 by the platform
 * identity, with protected header `{ alg: 'ES256', typ: 'openvse-attestation+jwt', kid }` and the
 * claims plus `iat` (RFC 7519) as payload. Built with `jose`, so any JOSE library can verify it.
 * Follows docs/design.md "Attestation" and the OP-TEE attestation PTA idea (a statement over a
 * server nonce and the TA's code digest, `pta_attestation.h` GET_TA_SHDR_DIGEST).
 */

import { type AttestationClaims, claimsProblem } from '@openvse/attestation';
import { ATTESTATION_TYP, SIGNATURE_ALG, TeeResult, VosError } from '@openvse/protocol';
import { SignJWT } from 'jose';
import { identitySigningKey, type PlatformIdentity } from './platform-identity.js';

/** Signs `claims` (checked first: schema and honesty rule) with the platform identity. */
export async function createAttestation(
  identity: PlatformIdentity,
  claims: AttestationClaims,
): Promise<string> {
  const key = identitySigningKey(identity);
  const problem = claimsProblem(claims);
  if (problem) throw new VosError(TeeResult.ERROR_BAD_PARAMETERS, `attestation: ${problem}`);
  let payload: Record<string, unknown>;
  try {
    // A JSON round trip gives a plain copy and refuses what JSON cannot carry (cycles, bigint).
    payload = JSON.parse(JSON.stringify(claims)) as Record<string, unknown>;
  } catch {
    throw new VosError(TeeResult.ERROR_BAD_PARAMETERS, 'attestation: claims must be JSON-serialisable');
  }
  return new SignJWT(payload)
    .setProtectedHeader({ alg: SIGNATURE_ALG, typ: ATTESTATION_TYP, kid: identity.keyId })
    .setIssuedAt()
    .sign(key);
}
