/**
 * A test authorization server of our own (RFC 9068 access tokens): a key pair, its JWKS for the
 * server's `auth.accessTokens`, and tokens to order — valid, or broken in one chosen way.
 */
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { type Caller, scopeOf } from '../../src/auth/callers.js';

const ISSUER = 'https://as.bank.test';
const AUDIENCE = 'https://cbp.bank.test';

/** An authorization server of our own: a key pair, its JWKS, and tokens to order. */
export async function authorizationServer() {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const other = await generateKeyPair('ES256', { extractable: true });
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'as-1', alg: 'ES256', use: 'sig' };
  const now = () => Math.floor(Date.now() / 1000);
  type Over = {
    scope?: string;
    iss?: string;
    aud?: string;
    typ?: string;
    exp?: number;
    iat?: number;
    noClientId?: boolean;
    key?: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
    kid?: string;
  };
  let n = 0;
  const token = async (o: Over = {}) => {
    const claims: Record<string, unknown> = { scope: o.scope ?? '' };
    if (!o.noClientId) claims.client_id = 'client-1';
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', typ: o.typ ?? 'at+jwt', kid: o.kid ?? 'as-1' })
      .setIssuer(o.iss ?? ISSUER)
      .setAudience(o.aud ?? AUDIENCE)
      .setSubject('client-1')
      .setJti(`jti-${++n}`)
      .setIssuedAt(o.iat ?? now())
      .setExpirationTime(o.exp ?? now() + 300)
      .sign(o.key ?? privateKey);
  };
  return {
    config: { accessTokens: { issuer: ISSUER, audience: AUDIENCE, jwks: { keys: [jwk] } } },
    token,
    /** A token for exactly these callers. */
    as: (...callers: Caller[]) => token({ scope: callers.map(scopeOf).join(' ') }),
    /** `{ authorization: 'Bearer …' }` for exactly these callers. */
    header: async (...callers: Caller[]) => ({
      authorization: `Bearer ${await token({ scope: callers.map(scopeOf).join(' ') })}`,
    }),
    otherKey: other.privateKey,
  };
}
