/**
 * A test authorization server (docs/server-api.md "Callers"): an ES256 key pair, its JWKS for the
 * CBP server's `auth.accessTokens`, and RFC 9068 access tokens for any caller class, as the bank's
 * OAuth 2.0 authorization server would issue them through the client-credentials grant. For tests
 * and benchmarks only.
 */
import { randomUUID } from 'node:crypto';
import type { AuthConfig, Caller } from '@openvse/server';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

/** The issuer of the test authorization server's tokens. */
export const TEST_TOKEN_ISSUER = 'https://as.openvse.test';
/** The audience (this CBP server) of the test authorization server's tokens. */
export const TEST_TOKEN_AUDIENCE = 'https://cbp.openvse.test';

/** A test authorization server: the CBP server's auth config and a token minter. */
export interface TestAuthorizationServer {
  /** For ServerConfig `auth`. */
  auth: AuthConfig;
  /** An access token (valid 5 minutes) whose scope makes its holder each of `callers`. */
  token(...callers: Caller[]): Promise<string>;
  /** `{ authorization: 'Bearer …' }` for `callers`. */
  header(...callers: Caller[]): Promise<{ authorization: string }>;
}

/** Creates a test authorization server with a fresh key. */
export async function createTestAuthorizationServer(): Promise<TestAuthorizationServer> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test-as-1', alg: 'ES256', use: 'sig' };
  const token = (...callers: Caller[]) =>
    new SignJWT({ client_id: 'openvse-test-client', scope: callers.map((c) => `openvse:${c}`).join(' ') })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: jwk.kid })
      .setIssuer(TEST_TOKEN_ISSUER)
      .setAudience(TEST_TOKEN_AUDIENCE)
      .setSubject('openvse-test-client')
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
  return {
    auth: {
      accessTokens: { issuer: TEST_TOKEN_ISSUER, audience: TEST_TOKEN_AUDIENCE, jwks: { keys: [jwk] } },
    },
    token,
    header: async (...callers) => ({ authorization: `Bearer ${await token(...callers)}` }),
  };
}
