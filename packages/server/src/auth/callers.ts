/**
 * Who may call a route (docs/server-api.md "Callers"): every route declares the caller classes it
 * serves in its route options (`config: { callers }`), and one hook enforces them
 * (auth/caller-checks.ts), never the handler. The classes are the parties of a token service
 * (EMVCo Payment Tokenisation Specification: token requestor, issuer, acquirer), the wallet's
 * devices, the bank's operators by role, and the public.
 */

/** A caller class, or an operator role. */
export const Caller = {
  /** Anyone: the device challenge, enrollment, the signed policy read, OpenAPI, the dashboard shell. */
  PUBLIC: 'public',
  /**
   * A wallet device. Its POSTs are authenticated by what they carry (TA statements and V-OS
   * reports signed by keys pinned at enrollment; docs/cbp-protocol.md).
   */
  DEVICE: 'device',
  /** The issuer's back office: card lifecycle, key inventory. */
  ISSUER: 'issuer',
  /** The token requestor (the wallet provider's back end): digitization, lifecycle. */
  TOKEN_REQUESTOR: 'token-requestor',
  /** The acquirer / payment network: authorization requests. */
  ACQUIRER: 'acquirer',
  /** Bank operators, by role. */
  OPERATOR_VIEWER: 'operator:viewer',
  OPERATOR_ANALYST: 'operator:analyst',
  OPERATOR_SECURITY_ADMIN: 'operator:security-admin',
  OPERATOR_ISSUER_ADMIN: 'operator:issuer-admin',
} as const;
export type Caller = (typeof Caller)[keyof typeof Caller];

/** Every caller class and role, for checks and documentation. */
export const ALL_CALLERS: readonly Caller[] = Object.freeze(Object.values(Caller));

/** Any operator role (read-only operator views). */
export const ANY_OPERATOR: readonly Caller[] = Object.freeze([
  Caller.OPERATOR_VIEWER,
  Caller.OPERATOR_ANALYST,
  Caller.OPERATOR_SECURITY_ADMIN,
  Caller.OPERATOR_ISSUER_ADMIN,
]);

/**
 * The callers authenticated by an OAuth 2.0 access token (auth/access-token.ts), each by one
 * scope: `openvse:<class>` (e.g. `openvse:acquirer`, `openvse:operator:security-admin`).
 */
export const TOKEN_CALLERS: readonly Caller[] = Object.freeze(
  ALL_CALLERS.filter((c) => c !== Caller.PUBLIC && c !== Caller.DEVICE),
);

/** The scope that makes a token holder `caller`. */
export function scopeOf(caller: Caller): string {
  return `openvse:${caller}`;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The caller classes this route serves (auth/caller-checks.ts refuses a route without). */
    callers?: readonly Caller[];
  }
}
