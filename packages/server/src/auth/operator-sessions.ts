/**
 * Operator sign-in (docs/server-api.md "Operators"; docs/decisions.md "Operator sign-in"): local
 * accounts from the configuration (`auth.operators.accounts`, each with one role and a scrypt
 * password hash, auth/passwords.ts), browser sessions in a cookie, and the CSRF check of every
 * state-changing request made with one.
 *
 * - The session id is 32 random bytes; the database keeps its SHA-256 only (a read of the table
 *   gives no usable session). It expires absolutely (`sessionTtlSeconds`, default 8 h) and when
 *   idle (`idleTimeoutSeconds`, default 15 min); sign-out deletes it.
 * - The cookie: `HttpOnly; SameSite=Strict; Path=/`, and `Secure` (named `__Host-openvse_session`)
 *   when the request came over TLS or `secureCookie` says so.
 * - CSRF: SameSite=Strict already keeps the cookie off cross-site requests; on top, every request
 *   with a session whose method is not GET/HEAD/OPTIONS must carry `X-OpenVSE-CSRF`, a token
 *   derived from the session id (HMAC-SHA256), which only a page that read the sign-in or
 *   session answer knows — a custom header no cross-origin page can set without a CORS preflight
 *   this server never grants — and an `Origin` (or `Sec-Fetch-Site`), when present, of this
 *   server. Sign-in itself takes JSON only (a cross-site form cannot send it) from this origin.
 *
 * The caller check (auth/caller-checks.ts) calls {@link checkOperatorSession} for a request with
 * no bearer token and a session cookie: the session's role is then the caller class.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ApiErrorCode } from '@openvse/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorBody, ServerError } from '../errors.js';
import type { Services } from '../services.js';
import type { OperatorAuthConfig } from './auth-config.js';
import { ANY_OPERATOR, type Caller } from './callers.js';
import { parsePasswordHash } from './passwords.js';

/** The checked configuration. */
export interface ResolvedOperatorAuth {
  accounts: Map<string, { role: Caller; hash: NonNullable<ReturnType<typeof parsePasswordHash>> }>;
  sessionTtlMs: number;
  idleMs: number;
  secureCookie: boolean | undefined;
  policyChangeTtlMs: number;
}

/** The operator a request was authenticated as by its session. */
export interface SessionOperator {
  username: string;
  role: Caller;
  idHash: string;
  /** The session id (to derive the CSRF token in answers); never logged. */
  sessionId: string;
  expiresAt: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in operator, when the request carried a valid session cookie. */
    operator?: SessionOperator;
  }
  interface FastifyInstance {
    /** `auth.operators`, checked; null without operator sign-in. */
    operatorAuth: ResolvedOperatorAuth | null;
    /** False in open development mode (no `auth`): no identities, no four-eyes policy changes. */
    authConfigured: boolean;
  }
}

export const CSRF_HEADER = 'x-openvse-csrf';
const COOKIE = 'openvse_session';
const SECURE_COOKIE = '__Host-openvse_session';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const USERNAME = /^[A-Za-z0-9._@-]{1,64}$/;

/** Checks `auth.operators`; ServerError ERR_CONFIG names what is wrong. */
export function resolveOperatorAuth(cfg: OperatorAuthConfig | undefined): ResolvedOperatorAuth | undefined {
  if (!cfg) return undefined;
  const bad = (what: string) => new ServerError(ApiErrorCode.CONFIG, `auth.operators: ${what}`);
  const accounts: ResolvedOperatorAuth['accounts'] = new Map();
  if (!Array.isArray(cfg.accounts)) throw bad('accounts: expected an array');
  for (const a of cfg.accounts) {
    if (!USERNAME.test(a?.username ?? '')) throw bad('accounts: a username is 1–64 of [A-Za-z0-9._@-]');
    if (accounts.has(a.username)) throw bad(`accounts: ${a.username} twice`);
    const role = `operator:${a.role}` as Caller;
    if (!ANY_OPERATOR.includes(role)) throw bad(`accounts: ${a.username}: unknown role`);
    const hash = parsePasswordHash(a.passwordHash ?? '');
    if (!hash) throw bad(`accounts: ${a.username}: passwordHash is not a scrypt hash of enough cost`);
    accounts.set(a.username, { role, hash });
  }
  const secs = (v: number | undefined, def: number, what: string) => {
    const n = v ?? def;
    if (!Number.isInteger(n) || n < 1 || n > 30 * 86_400) throw bad(`${what}: bad value`);
    return n * 1000;
  };
  return {
    accounts,
    sessionTtlMs: secs(cfg.sessionTtlSeconds, 8 * 3600, 'sessionTtlSeconds'),
    idleMs: secs(cfg.idleTimeoutSeconds, 15 * 60, 'idleTimeoutSeconds'),
    secureCookie: cfg.secureCookie,
    policyChangeTtlMs: secs(cfg.policyChangeTtlSeconds, 86_400, 'policyChangeTtlSeconds'),
  };
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** The CSRF token of a session: HMAC-SHA256 under the session id. */
export function csrfTokenOf(sessionId: string): string {
  return createHmac('sha256', sessionId).update('openvse-csrf-v1').digest('base64url');
}

const secureFor = (cfg: ResolvedOperatorAuth, req: FastifyRequest) =>
  cfg.secureCookie ?? req.protocol === 'https';

/** The session id of the request's cookie (the `__Host-` one when secure), if any. */
function sessionIdOf(cfg: ResolvedOperatorAuth, req: FastifyRequest): string | undefined {
  const header = req.headers.cookie;
  if (typeof header !== 'string') return undefined;
  const name = secureFor(cfg, req) ? SECURE_COOKIE : COOKIE;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0 || part.slice(0, i).trim() !== name) continue;
    const v = part.slice(i + 1).trim();
    return /^[A-Za-z0-9_-]{43}$/.test(v) ? v : undefined;
  }
  return undefined;
}

/** True when the request carries a session cookie (of either name). */
export function hasSessionCookie(req: FastifyRequest): boolean {
  const c = req.headers.cookie;
  return typeof c === 'string' && (c.includes(`${COOKIE}=`) || c.includes(`${SECURE_COOKIE}=`));
}

/** The `Set-Cookie` value that starts a session. */
function sessionCookie(cfg: ResolvedOperatorAuth, req: FastifyRequest, id: string): string {
  const secure = secureFor(cfg, req);
  return (
    `${secure ? SECURE_COOKIE : COOKIE}=${id}; Path=/; HttpOnly; SameSite=Strict; ` +
    `Max-Age=${Math.floor(cfg.sessionTtlMs / 1000)}${secure ? '; Secure' : ''}`
  );
}

/** The `Set-Cookie` value that ends one. */
export function clearedCookie(cfg: ResolvedOperatorAuth, req: FastifyRequest): string {
  const secure = secureFor(cfg, req);
  return `${secure ? SECURE_COOKIE : COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`;
}

/** The request comes from this server's own origin (or says nothing of where it comes from). */
export function sameOrigin(req: FastifyRequest): boolean {
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  return origin === `${req.protocol}://${req.host}`;
}

/** Starts a session for an account whose password was verified; returns its cookie and CSRF token. */
export async function startSession(
  s: Services,
  cfg: ResolvedOperatorAuth,
  req: FastifyRequest,
  username: string,
  role: Caller,
): Promise<{ cookie: string; csrfToken: string; expiresAt: number }> {
  const now = s.clock.now();
  await s.store.operators.purgeSessions(now, now - cfg.idleMs);
  // A new id at every sign-in (no fixation); the one the browser had, if any, ends.
  const old = sessionIdOf(cfg, req);
  if (old) await s.store.operators.deleteSession(sha256(old));
  const id = randomBytes(32).toString('base64url');
  const expiresAt = now + cfg.sessionTtlMs;
  await s.store.operators.insertSession({
    idHash: sha256(id),
    username,
    role,
    createdAt: now,
    lastSeenAt: now,
    expiresAt,
  });
  return { cookie: sessionCookie(cfg, req, id), csrfToken: csrfTokenOf(id), expiresAt };
}

/** Ends the request's session (sign-out). */
export async function endSession(s: Services, req: FastifyRequest): Promise<void> {
  if (req.operator) await s.store.operators.deleteSession(req.operator.idHash);
}

function refuse(reply: FastifyReply, status: 401 | 403, code: ApiErrorCode, message: string) {
  if (status === 401) reply.header('www-authenticate', 'Bearer realm="openvse", OpenVSE-Device-Proof');
  return reply.code(status).send(errorBody(code, message));
}

/** Touch the session at most this often (an open dashboard calls the server often: every event it is told of, and a refresh every 15 s without the event stream). */
const TOUCH_EVERY_MS = 30_000;

/**
 * The session as a way to authenticate an operator class (called by the caller check when the
 * request has no bearer token and a session cookie): 401 without a live session, 403 when the
 * role is not among `callers` or a state-changing request fails the CSRF check; else the request
 * goes on as `req.operator` (answer undefined).
 */
export async function checkOperatorSession(
  app: FastifyInstance,
  req: FastifyRequest,
  reply: FastifyReply,
  callers: readonly Caller[],
): Promise<FastifyReply | undefined> {
  const s = app.services;
  const cfg = app.operatorAuth ?? undefined;
  const id = cfg ? sessionIdOf(cfg, req) : undefined;
  const now = s.clock.now();
  const row = cfg && id ? await s.store.operators.getSession(sha256(id)) : undefined;
  if (!cfg || !id || !row || now >= row.expiresAt || now - row.lastSeenAt >= cfg.idleMs)
    return refuse(reply, 401, ApiErrorCode.UNAUTHENTICATED, 'the operator session is not valid or has ended');
  // The account may have been removed or its role changed since the sign-in.
  const account = cfg.accounts.get(row.username);
  if (!account || account.role !== row.role) {
    await s.store.operators.deleteSession(row.idHash);
    return refuse(reply, 401, ApiErrorCode.UNAUTHENTICATED, 'the operator session is not valid or has ended');
  }
  req.operator = {
    username: row.username,
    role: row.role as Caller,
    idHash: row.idHash,
    sessionId: id,
    expiresAt: row.expiresAt,
  };
  if (!callers.includes(row.role as Caller)) {
    req.log.info({ operator: row.username, role: row.role }, 'operator role refused');
    return refuse(reply, 403, ApiErrorCode.FORBIDDEN, 'this operator role may not use this route');
  }
  if (!SAFE_METHODS.has(req.method)) {
    const got = req.headers[CSRF_HEADER];
    const want = Buffer.from(csrfTokenOf(id));
    const gotBytes = Buffer.from(typeof got === 'string' ? got : '');
    const ok = gotBytes.length === want.length && timingSafeEqual(gotBytes, want) && sameOrigin(req);
    if (!ok) return refuse(reply, 403, ApiErrorCode.CSRF, 'missing or wrong CSRF token, or another origin');
  }
  if (now - row.lastSeenAt >= Math.min(TOUCH_EVERY_MS, cfg.idleMs / 4))
    await s.store.operators.touchSession(row.idHash, now);
  return undefined;
}
