/**
 * The public members of an EC P-256 JWK (RFC 7518 §6.2.1), checked and frozen: what a platform
 * identity publishes and what a verifier pins. Anything else is TEE_ERROR_BAD_PARAMETERS.
 */
import type { JsonWebKey } from 'node:crypto';
import { TeeResult, VosError } from '@openvse/protocol';

/** `{ kty: 'EC', crv: 'P-256', x, y }` taken from `jwk`, frozen; private members are dropped. */
export function publicP256Jwk(jwk: JsonWebKey): JsonWebKey {
  if (typeof jwk !== 'object' || jwk === null || jwk.kty !== 'EC' || jwk.crv !== 'P-256') {
    throw new VosError(TeeResult.ERROR_BAD_PARAMETERS, 'platform key must be an EC P-256 JWK');
  }
  if (typeof jwk.x !== 'string' || typeof jwk.y !== 'string')
    throw new VosError(TeeResult.ERROR_BAD_PARAMETERS, 'platform key JWK lacks x or y');
  return Object.freeze({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y });
}
