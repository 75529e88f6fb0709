/**
 * Caller checks in one place (docs/server-api.md "Callers"): every route declares its caller
 * classes (`config: { callers }`, auth/callers.ts); a route without a declaration cannot be
 * registered, so the server does not start with an undeclared route. With authentication
 * configured, an `onRequest` hook, before any body is parsed, lets a request through only when
 * the route serves the public, or a class the caller proved with an access token
 * (auth/access-token.ts): no credentials → 401 ERR_UNAUTHENTICATED (with `WWW-Authenticate:
 * Bearer`, RFC 6750 §3), valid credentials of another class → 403 ERR_FORBIDDEN. A device route
 * needs a device request proof (auth/device-proof.ts), checked once the body has been read (its
 * digest is in the proof) and before it is validated or handled.
 *
 * Without authentication configured the server is in **open development mode**: the declarations
 * are checked and published, every caller is let through, and `startServer` refuses to listen on
 * anything but a loopback address (start.ts).
 */
import { ApiErrorCode, DEVICE_PROOF_HEADER } from '@openvse/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../clock.js';
import { errorBody } from '../errors.js';
import { AccessTokenError, accessTokenVerifier, type TokenCaller } from './access-token.js';
import type { AuthConfig } from './auth-config.js';
import { ALL_CALLERS, Caller } from './callers.js';
import { checkDeviceProof, DeviceProofError, hashingBody } from './device-proof.js';
import { checkOperatorSession, hasSessionCookie } from './operator-sessions.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated token caller, when the request carried a valid access token. */
    tokenCaller?: TokenCaller;
    /** The request is judged as a device's: by its device proof. */
    byDevice?: boolean;
  }
}

const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/;

function refuse(reply: FastifyReply, status: 401 | 403, code: string, message: string) {
  if (status === 401) reply.header('www-authenticate', 'Bearer realm="openvse", OpenVSE-Device-Proof');
  return reply.code(status).send(errorBody(code as never, message));
}

/** Installs the declaration check and, with `auth`, the enforcement hook. */
export function installCallerChecks(app: FastifyInstance, auth: AuthConfig | undefined, clock: Clock): void {
  app.addHook('onRoute', (route) => {
    const callers = route.config?.callers;
    if (!Array.isArray(callers) || callers.length === 0)
      throw new Error(`route ${route.method} ${route.url} declares no callers`);
    for (const c of callers)
      if (!ALL_CALLERS.includes(c)) throw new Error(`route ${route.url}: unknown caller ${c}`);
    // Published in the OpenAPI document (x-callers), and the bearer scheme where tokens apply.
    if (!route.schema) route.schema = {};
    const schema = route.schema as Record<string, unknown>;
    schema['x-callers'] = [...callers];
    if (callers.some((c) => c !== Caller.PUBLIC && c !== Caller.DEVICE)) schema.security = [{ bearer: [] }];
  });
  if (!auth) return;
  const verify = accessTokenVerifier(auth.accessTokens, clock);
  // Set by onRequest when the request is to be judged as the device's (its proof is read with the
  // body, in preParsing and preValidation).
  const deviceRoute = (req: FastifyRequest) => req.byDevice === true;

  app.addHook('preParsing', async (req, _reply, payload) =>
    deviceRoute(req) ? hashingBody(req, payload) : payload,
  );
  app.addHook('preValidation', async (req, reply) => {
    if (!deviceRoute(req)) return;
    try {
      await checkDeviceProof(app.services, req);
    } catch (e) {
      if (!(e instanceof DeviceProofError)) throw e;
      req.log.info({ reason: e.message }, 'device proof refused');
      return e.status === 401
        ? refuse(reply, 401, ApiErrorCode.UNAUTHENTICATED, e.message)
        : refuse(reply, 403, ApiErrorCode.FORBIDDEN, e.message);
    }
  });

  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const callers = req.routeOptions.config?.callers;
    // Unknown routes (no declaration: the 404 handler) pass to their 404.
    if (!callers) return;
    if (callers.includes(Caller.PUBLIC)) return;
    // A device route, or a route both a device (its own) and token callers use, with a device
    // proof: checked after parsing (preValidation above).
    if (
      callers.includes(Caller.DEVICE) &&
      (req.headers[DEVICE_PROOF_HEADER] !== undefined || callers.every((c) => c === Caller.DEVICE))
    ) {
      req.byDevice = true;
      return;
    }
    const header = req.headers.authorization;
    // Bearer token first; else an operator's session cookie (auth/operator-sessions.ts).
    if (header === undefined && hasSessionCookie(req)) return checkOperatorSession(app, req, reply, callers);
    if (typeof header !== 'string')
      return refuse(reply, 401, ApiErrorCode.UNAUTHENTICATED, 'this route needs an access token');
    const m = BEARER.exec(header);
    if (!m)
      return refuse(reply, 401, ApiErrorCode.UNAUTHENTICATED, 'expected "Authorization: Bearer <token>"');
    let who: TokenCaller;
    try {
      who = await verify(m[1]!);
    } catch (e) {
      if (!(e instanceof AccessTokenError)) throw e;
      req.log.info({ reason: e.message }, 'access token refused');
      return refuse(reply, 401, ApiErrorCode.UNAUTHENTICATED, 'the access token is not valid');
    }
    if (!who.callers.some((c) => callers.includes(c))) {
      req.log.info({ clientId: who.clientId, callers: who.callers }, 'caller class refused');
      return refuse(reply, 403, ApiErrorCode.FORBIDDEN, 'this caller may not use this route');
    }
    req.tokenCaller = who;
  });
}
