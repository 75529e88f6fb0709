/**
 * The issuer keys and the server signing key as the key store keeps them (docs/design.md "Storage
 * and scale": keys encrypted under a key-encryption key; keys/key-store.ts reads and writes them
 * through the store). Never plaintext: the secret part is an AES-256-GCM envelope.
 */

/** One version of an issuer key or of the server signing key (table `issuer_keys`). */
export interface KeyRow {
  name: string;
  version: number;
  /** 'tdes' | 'es256' */
  kind: string;
  /** Key check value (hex) for symmetric keys, JWK thumbprint for key pairs. */
  kcv: string;
  /** AES-256-GCM envelope of the secret part, AAD = name ‖ version. */
  wrapped: string;
  /** Public JWK (JSON) for key pairs. */
  publicJwk: string | null;
  createdAt: number;
}
