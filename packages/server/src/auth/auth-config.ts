/**
 * The server's `auth` configuration (docs/server-api.md "Callers", "Operators"): types only, so
 * that config.ts can name it without importing the hooks that read it.
 */
import type { AccessTokenConfig } from './access-token.js';

/** How callers authenticate; absent = open development mode (loopback only). */
export interface AuthConfig {
  /** OAuth 2.0 access tokens for the issuer, token requestor, acquirer and operators. */
  accessTokens: AccessTokenConfig;
  /** Operators' own sign-in to the dashboard: local accounts and sessions (auth/operator-sessions.ts). */
  operators?: OperatorAuthConfig;
}

/** An operator role, as in the caller class `operator:<role>`. */
export type OperatorRole = 'viewer' | 'analyst' | 'security-admin' | 'issuer-admin';

/** One local operator account. */
export interface OperatorAccount {
  username: string;
  role: OperatorRole;
  /** From `hashOperatorPassword` (auth/passwords.ts): `scrypt$ln=17,r=8,p=1$…$…`. */
  passwordHash: string;
}

/** `auth.operators`: who may sign in to the dashboard, and for how long. */
export interface OperatorAuthConfig {
  accounts: OperatorAccount[];
  /** Absolute session lifetime (default 8 h). */
  sessionTtlSeconds?: number;
  /** A session unused this long ends (default 15 min). */
  idleTimeoutSeconds?: number;
  /** Force the cookie's `Secure` (behind a TLS-terminating proxy); default: when the request is TLS. */
  secureCookie?: boolean;
  /** How long a proposed fleet policy change waits for its approval (default 24 h). */
  policyChangeTtlSeconds?: number;
}
