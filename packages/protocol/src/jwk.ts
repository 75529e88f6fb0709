/** A public EC P-256 key as a JWK (RFC 7518 §6.2.1), never with private members. */
export interface PublicEcJwk {
  kty: 'EC';
  crv: 'P-256';
  /** 32 bytes, base64url. */
  x: string;
  /** 32 bytes, base64url. */
  y: string;
}
