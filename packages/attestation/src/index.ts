/**
 * @openvse/attestation — V-OS attestation statements as a verifier sees them (docs/attestation.md):
 * the claims and their exact schema with the protection-level honesty rule, and the verifier of
 * the compact JWS (ES256, typ `openvse-attestation+jwt`, kid = the pinned platform key's RFC 7638
 * thumbprint, the expected nonce). The CBP server imports this package instead of the V-OS
 * runtime; V-OS uses the same claims check when it creates a statement.
 */
export { type AttestationClaims, claimsProblem, type Isolation } from './claims.js';
export { publicP256Jwk } from './public-jwk.js';
export { type VerifiedAttestation, verifyAttestation } from './verify-attestation.js';
