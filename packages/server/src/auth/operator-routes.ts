/**
 * Operator sign-in routes (docs/server-api.md "Operators"; auth/operator-sessions.ts):
 * `POST /v1/operator/sign-in` (public: JSON `{ username, password }`, from this origin only) sets
 * the session cookie and answers the CSRF token; `GET /v1/operator/session` says who the caller
 * is (and gives the CSRF token again after a reload); `POST /v1/operator/sign-out` ends the
 * session. Each sign-in, failed or not, and each sign-out is audited (audit/audit-log.ts).
 */
import { ApiErrorCode } from '@openvse/protocol';
import type { FastifyInstance } from 'fastify';
import { ServerError } from '../errors.js';
import { emptyBody, errorResponses } from '../http/schemas.js';
import type { AuthConfig } from './auth-config.js';
import { ANY_OPERATOR, Caller } from './callers.js';
import {
  clearedCookie,
  csrfTokenOf,
  endSession,
  type ResolvedOperatorAuth,
  sameOrigin,
  startSession,
} from './operator-sessions.js';
import { dummyPasswordHash, verifyOperatorPassword } from './passwords.js';

interface SignInBody {
  username: string;
  password: string;
}

const sessionView = {
  type: 'object',
  additionalProperties: false,
  required: ['mode'],
  properties: {
    /** How the caller is authenticated: a session, an access token, or nothing (open development mode). */
    mode: { type: 'string', enum: ['session', 'token', 'open'] },
    username: { type: 'string' },
    role: { type: 'string' },
    csrfToken: { type: 'string' },
    expiresAt: { type: 'integer' },
  },
} as const;

/** Decorates the app with the checked `auth.operators` (before any request). */
export function installOperatorAuth(
  app: FastifyInstance,
  auth: AuthConfig | undefined,
  resolved: ResolvedOperatorAuth | undefined,
): void {
  app.decorate('operatorAuth', resolved ?? null);
  app.decorate('authConfigured', auth !== undefined);
}

/** Registers sign-in, session and sign-out. */
export async function operatorRoutes(app: FastifyInstance): Promise<void> {
  const s = app.services;

  app.post<{ Body: SignInBody }>(
    '/v1/operator/sign-in',
    {
      config: { callers: [Caller.PUBLIC] },
      schema: {
        tags: ['operators'],
        summary: 'Operator sign-in with a local account; sets the session cookie, answers the CSRF token',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['username', 'password'],
          properties: {
            username: { type: 'string', minLength: 1, maxLength: 64 },
            password: { type: 'string', minLength: 1, maxLength: 1024 },
          },
        },
        response: { 200: sessionView, ...errorResponses },
      },
    },
    async (req, reply) => {
      const cfg = app.operatorAuth;
      // Login CSRF: a JSON body (no cross-site form can send one) from this origin only.
      if (!sameOrigin(req)) throw new ServerError(ApiErrorCode.CSRF, 'sign-in from another origin');
      if (!cfg) throw new ServerError(ApiErrorCode.UNAUTHENTICATED, 'operator sign-in is not configured');
      const { username, password } = req.body;
      const account = cfg.accounts.get(username);
      // An unknown account costs a hash too (no user enumeration by timing).
      const matches = await verifyOperatorPassword(password, account?.hash ?? (await dummyPasswordHash()));
      if (!account || !matches) {
        // The name is recorded only for a known account (an unknown "name" may be a password).
        req.audit = account
          ? { actor: `operator:${username}`, role: account.role, detail: { reason: 'wrong password' } }
          : { actor: 'operator:(unknown account)', detail: { reason: 'unknown account' } };
        throw new ServerError(ApiErrorCode.UNAUTHENTICATED, 'wrong username or password');
      }
      const session = await startSession(s, cfg, req, username, account.role);
      req.audit = { actor: `operator:${username}`, role: account.role };
      reply.header('set-cookie', session.cookie).header('cache-control', 'no-store');
      return {
        mode: 'session' as const,
        username,
        role: account.role,
        csrfToken: session.csrfToken,
        expiresAt: session.expiresAt,
      };
    },
  );

  app.get(
    '/v1/operator/session',
    {
      config: { callers: ANY_OPERATOR },
      schema: {
        tags: ['operators'],
        summary: 'Who the operator is: username, role and (for a session) its CSRF token',
        response: { 200: sessionView, ...errorResponses },
      },
    },
    async (req, reply) => {
      reply.header('cache-control', 'no-store');
      const o = req.operator;
      if (o)
        return {
          mode: 'session' as const,
          username: o.username,
          role: o.role,
          csrfToken: csrfTokenOf(o.sessionId),
          expiresAt: o.expiresAt,
        };
      const t = req.tokenCaller;
      if (t) {
        const role = t.callers.find((c) => ANY_OPERATOR.includes(c));
        return { mode: 'token' as const, username: t.subject, ...(role ? { role } : {}) };
      }
      return { mode: 'open' as const };
    },
  );

  app.post(
    '/v1/operator/sign-out',
    {
      config: { callers: ANY_OPERATOR },
      schema: {
        tags: ['operators'],
        summary: 'Ends the operator session (CSRF token required)',
        body: emptyBody,
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['signedOut'],
            properties: { signedOut: { type: 'boolean' } },
          },
          ...errorResponses,
        },
      },
    },
    async (req, reply) => {
      if (!req.operator || !app.operatorAuth) return { signedOut: false };
      await endSession(s, req);
      reply.header('set-cookie', clearedCookie(app.operatorAuth, req));
      return { signedOut: true };
    },
  );
}
