/**
 * A test authorization server of our own (RFC 9068 access tokens): a key pair, its JWKS for the
 * server's `auth.accessTokens`, and tokens to order — valid, or broken in one chosen way.
 */
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { type Caller, scopeOf } from '../../src/auth/callers.js';

const ISSUER = 'https://as.bank.test';
const AUDIENCE = 'https://cbp.bank.test';

/**
 * An authorization server of our own: a key pair, its JWKS, and tokens to order, dated by `now`
 * (ms; a test's manual server clock, or the wall clock).
 */
export async function authorizationServer(now: () => number = Date.now) {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const other = await generateKeyPair('ES256', { extractable: true });
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'as-1', alg: 'ES256', use: 'sig' };
  const seconds = () => Math.floor(now() / 1000);
  type Over = {
    /** `client_id` and `sub` (default client-1). */
    clientId?: string;
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
    const clientId = o.clientId ?? 'client-1';
    if (!o.noClientId) claims.client_id = clientId;
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', typ: o.typ ?? 'at+jwt', kid: o.kid ?? 'as-1' })
      .setIssuer(o.iss ?? ISSUER)
      .setAudience(o.aud ?? AUDIENCE)
      .setSubject(clientId)
      .setJti(`jti-${++n}`)
      .setIssuedAt(o.iat ?? seconds())
      .setExpirationTime(o.exp ?? seconds() + 300)
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
    /** `{ authorization: 'Bearer …' }` for client `clientId` as these callers. */
    bearer: async (clientId: string, ...callers: Caller[]) => ({
      authorization: `Bearer ${await token({ clientId, scope: callers.map(scopeOf).join(' ') })}`,
    }),
    otherKey: other.privateKey,
  };
}
