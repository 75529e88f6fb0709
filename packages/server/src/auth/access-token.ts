/**
 * OAuth 2.0 access tokens for the system callers (issuer, token requestor, acquirer, operators):
 * JWTs in the profile of RFC 9068 ("JSON Web Token (JWT) Profile for OAuth 2.0 Access Tokens"),
 * presented as `Authorization: Bearer <token>` (RFC 6750), issued by the bank's authorization
 * server through the client-credentials grant (RFC 6749 §4.4) and verified here against its
 * configured JWKS (RFC 7517). docs/decisions.md "Caller authentication" says why tokens and not
 * mutual TLS.
 *
 * Checked (RFC 9068 §4): `typ` is `at+jwt`; the signature, by a key of the JWKS, with an
 * asymmetric algorithm of the allowed list (never `none`, never HMAC); `iss` and `aud` equal the
 * configured values; `exp` in the future and `iat` not in the future (30 s of clock skew), the
 * token not older than `maxAgeSeconds`; `sub`, `client_id` and `jti` present. The caller classes
 * are read from `scope` (space-separated, RFC 8693 §4.2): `openvse:<class>`.
 *
 * A token that verified is remembered (by its exact text, at most {@link CACHE_SIZE} of them)
 * until it expires or passes `maxAgeSeconds`: a caller sends the same token for its whole
 * lifetime, and one ES256 verification per request was measured at up to a fifth of an
 * authorization's cost (bench/server). The time checks are made again at every use.
 */
import { createLocalJWKSet, errors, type JSONWebKeySet, jwtVerify } from 'jose';
import type { Clock } from '../clock.js';
import { type Caller, scopeOf, TOKEN_CALLERS } from './callers.js';

/** Where access tokens come from and how they are checked. */
export interface AccessTokenConfig {
  /** The authorization server's issuer identifier (`iss`). */
  issuer: string;
  /** This server's resource identifier (`aud`). */
  audience: string;
  /** The authorization server's public keys. */
  jwks: JSONWebKeySet;
  /** Allowed JWS algorithms (default ES256, EdDSA, PS256, RS256). */
  algorithms?: string[];
  /** Longest accepted lifetime from `iat` (default 3600 s). */
  maxAgeSeconds?: number;
}

const DEFAULT_ALGORITHMS = ['ES256', 'EdDSA', 'PS256', 'RS256'];
/** Verified tokens remembered per verifier. */
const CACHE_SIZE = 1024;
const ASYMMETRIC = /^(ES(256|384|512)|EdDSA|Ed25519|PS(256|384|512)|RS(256|384|512))$/;

/** Who a valid token speaks for. */
export interface TokenCaller {
  clientId: string;
  subject: string;
  callers: Caller[];
}

/** Why a token was refused (never echoed to the caller beyond the code). */
export class AccessTokenError extends Error {}

/** A verifier for one configuration; throws AccessTokenError for a token it refuses. */
export function accessTokenVerifier(
  cfg: AccessTokenConfig,
  clock: Clock,
): (token: string) => Promise<TokenCaller> {
  const algorithms = cfg.algorithms ?? DEFAULT_ALGORITHMS;
  for (const a of algorithms)
    if (!ASYMMETRIC.test(a)) throw new AccessTokenError(`algorithm ${a} is not an asymmetric JWS algorithm`);
  const keys = createLocalJWKSet(cfg.jwks);
  const maxAge = cfg.maxAgeSeconds ?? 3600;
  /** Verified tokens: who they speak for and until when (ms), in insertion order. */
  const verified = new Map<string, { who: TokenCaller; until: number }>();
  return async (token) => {
    const hit = verified.get(token);
    if (hit) {
      if (clock.now() < hit.until) return hit.who;
      verified.delete(token);
    }
    const who = await verifyOnce(token);
    if (verified.size >= CACHE_SIZE) verified.delete(verified.keys().next().value as string);
    verified.set(token, who);
    return who.who;
  };

  async function verifyOnce(token: string): Promise<{ who: TokenCaller; until: number }> {
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: cfg.issuer,
        audience: cfg.audience,
        algorithms,
        typ: 'at+jwt',
        currentDate: new Date(clock.now()),
        clockTolerance: 30,
        maxTokenAge: maxAge,
        requiredClaims: ['exp', 'iat', 'sub', 'client_id', 'jti'],
      });
      if (typeof payload.client_id !== 'string' || typeof payload.sub !== 'string')
        throw new AccessTokenError('client_id and sub must be strings');
      const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
      const callers = TOKEN_CALLERS.filter((c) => scopes.includes(scopeOf(c)));
      // Good until the earlier of exp and iat + maxAge (jwtVerify checked both against now).
      const until = Math.min((payload.exp as number) * 1000, ((payload.iat as number) + maxAge) * 1000);
      return { who: { clientId: payload.client_id, subject: payload.sub, callers }, until };
    } catch (e) {
      if (e instanceof AccessTokenError) throw e;
      if (e instanceof errors.JOSEError) throw new AccessTokenError(e.code);
      throw new AccessTokenError('malformed token');
    }
  }
}
