/**
 * `createServer(config)`: the CBP server as a fastify instance (docs/design.md "Tokenization
 * and authorization", "Storage and scale", "Server ↔ TA messages"). Opens the store (migrations),
 * the key store (KEK, issuer keys, signing key), then registers the OpenAPI generator, the error
 * handling and one plugin per area. Ajv is strict: no coercion, no removal of unknown fields.
 */
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import { auditRoutes, installAuditLog } from './audit/audit-log.js';
import { installCallerChecks } from './auth/caller-checks.js';
import { Caller } from './auth/callers.js';
import { installOperatorAuth, operatorRoutes } from './auth/operator-routes.js';
import { resolveOperatorAuth } from './auth/operator-sessions.js';
import { approveAllRiskEngine } from './authorization/risk-engine.js';
import { authorizationRoutes } from './authorization/routes.js';
import { resolveConfig, type ServerConfig } from './config.js';
import { dashboardRoutes } from './dashboard/routes.js';
import { deviceRoutes } from './devices/routes.js';
import { FraudEngine } from './fraud/engine.js';
import { fastifyErrorOptions, installErrorHandling } from './http/error-handler.js';
import { installRequestLog, loggerOptions } from './http/logging.js';
import { installRateLimits, resolveRateLimits } from './http/rate-limit.js';
import { emptyQuery, errorSchema } from './http/schemas.js';
import { loadKek } from './keys/kek.js';
import { KeyStore } from './keys/key-store.js';
import { issuerRoutes } from './keys/routes.js';
import type { Services } from './services.js';
import { openStore } from './storage/open-store.js';
import type { Store } from './storage/store.js';
import { withDecisionLog } from './stream/decision-log.js';
import { openStream, type StreamRuntime } from './stream/open-stream.js';
import { policyApprovalRoutes } from './threats/policy-approval.js';
import { threatRoutes } from './threats/routes.js';
import { cardRoutes } from './tokens/routes.js';

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
  }
}

/** The server's version, in its OpenAPI document. */
export const SERVER_VERSION = '0.1.0';

/** How {@link createServer} gets its store. */
export interface CreateServerOptions {
  /** Use this store instead of opening `config.db` (it is then not closed with the server). */
  store?: Store;
}

/**
 * The CBP server as a fastify instance, ready to `listen` (or to `inject` in tests): opens the
 * store (running its migrations) unless one is given, the key store (KEK, issuer keys, signing
 * key), and registers every route. Throws ServerError ERR_CONFIG / ERR_KEK_INVALID / ERR_KEY_*
 * for a configuration it cannot start with. Closing it closes the store it opened.
 */
export async function createServer(
  config: ServerConfig = {},
  opts: CreateServerOptions = {},
): Promise<FastifyInstance> {
  const cfg = resolveConfig(config);
  const operatorAuth = resolveOperatorAuth(config.auth?.operators); // ERR_CONFIG before anything opens
  if (config.rateLimit) resolveRateLimits(config.rateLimit); // ERR_CONFIG before anything opens
  const kek = loadKek({ kek: config.kek, kekFile: config.kekFile, env: config.env });
  const store =
    opts.store ?? (await openStore(cfg.db, { pgSchema: cfg.pgSchema, pgPoolSize: cfg.pgPoolSize }));
  let keys: KeyStore;
  try {
    keys = await KeyStore.open(store, kek, cfg.issuerKeys, cfg.clock);
  } catch (e) {
    if (!opts.store) await store.close();
    throw e;
  } finally {
    kek.fill(0);
  }
  const app = Fastify({
    ...(config.tls
      ? { https: { key: config.tls.key, cert: config.tls.cert, minVersion: 'TLSv1.2' as const } }
      : {}),
    logger: loggerOptions(config.logger),
    // One line per request, written by http/logging.ts at `info` or, for polling, at `debug`.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: cfg.bodyLimit,
    // While closing, a request that still arrives on an open keep-alive connection is served
    // (the store is closed only after the last connection ends), not answered by fastify's
    // built-in 503, whose body is not the `{ error: { code, message } }` shape of every error.
    return503OnClosing: false,
    // fastify's own errors (malformed URL, path parameter too long, refused HTTP) in the
    // `{ error: { code, message } }` shape too; path parameters up to a device id's 256 characters.
    ...fastifyErrorOptions,
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false },
    },
  });
  // The event bus, and with NATS the report stream (docs/scaling.md "Threat intelligence as a
  // stream"); NATS unreachable at start: ERR_STREAM_UNAVAILABLE, nothing left open.
  let stream: StreamRuntime;
  try {
    stream = await openStream(cfg.stream, app.log);
  } catch (e) {
    if (!opts.store) await store.close();
    throw e;
  }
  // Every decision this instance publishes is also one structured log line (stream/decision-log.ts).
  const events = withDecisionLog(stream.events, app.log);
  // The fraud engine scores provisioning, replenishment and (unless a riskEngine is given)
  // every authorization (docs/fraud-engine.md).
  const fraud = config.fraud === false ? undefined : new FraudEngine(store, cfg.clock, config.fraud, events);
  const services: Services = {
    store,
    keys,
    config: cfg,
    clock: cfg.clock,
    risk: config.riskEngine ?? fraud ?? approveAllRiskEngine,
    ...(fraud ? { fraud } : {}),
    events,
    ...(stream.reports ? { reports: stream.reports } : {}),
  };

  // JSON only: a text/plain body is a 415, not a string for the schema to reject.
  app.removeContentTypeParser('text/plain');
  app.decorate('services', services);
  app.addSchema(errorSchema);
  installErrorHandling(app);
  installRequestLog(app);
  // Every route gets a closed querystring schema unless it declares its own, so an unknown
  // query parameter is a 400 everywhere (added before @fastify/swagger reads the schemas).
  app.addHook('onRoute', (route) => {
    if (!route.schema) route.schema = {};
    const schema = route.schema as { querystring?: unknown };
    if (schema.querystring === undefined) schema.querystring = emptyQuery;
  });
  // Every route declares its callers; with `auth`, one hook enforces them (before swagger reads
  // the schemas, so the document shows each route's callers and security).
  installCallerChecks(app, config.auth, cfg.clock);
  // Operator sign-in (sessions, auth/operator-sessions.ts) and the audit log of operator and
  // issuer actions (before the routes, so that its hook applies to all).
  installOperatorAuth(app, config.auth, operatorAuth);
  installAuditLog(app, config.auth === undefined);
  // Per-caller limits in Redis, attached to their routes as they register (http/rate-limit.ts).
  if (config.rateLimit) await installRateLimits(app, config.rateLimit);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'OpenVSE CBP server',
        version: SERVER_VERSION,
        description:
          'Token service, device enrollment and provisioning, issuer authorization (docs/server-api.md)',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT (RFC 9068 access token)' },
        },
      },
    },
  });
  await app.register(cardRoutes);
  await app.register(deviceRoutes);
  await app.register(authorizationRoutes);
  await app.register(issuerRoutes);
  await app.register(threatRoutes);
  await app.register(dashboardRoutes);
  await app.register(operatorRoutes);
  await app.register(policyApprovalRoutes);
  await app.register(auditRoutes);
  app.get(
    '/openapi.json',
    {
      config: { callers: [Caller.PUBLIC] },
      schema: { hide: true, response: { 200: { type: 'object', additionalProperties: true } } },
    },
    async () => app.swagger(),
  );
  app.get(
    '/healthz',
    {
      config: { callers: [Caller.PUBLIC] },
      schema: {
        hide: true,
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['status', 'schemaVersion'],
            properties: { status: { type: 'string' }, schemaVersion: { type: 'integer' } },
          },
        },
      },
    },
    async () => ({ status: 'ok', schemaVersion: await store.schemaVersion() }),
  );
  // Graceful close: once closing has begun, every answer carries `Connection: close`, so a
  // keep-alive connection whose request was in flight ends with that answer. Without it, such a
  // connection (an acquirer's keep-alive pool) stays open and idle, server.close() waits for it
  // until keepAliveTimeout (72 s), and the store is never closed meanwhile.
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onSend', (_req, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
  // The report consumer starts once every route is ready and stops (its report in hand acked)
  // before the store closes.
  app.addHook('onReady', async () => stream.start(services));
  app.addHook('onClose', async () => {
    await stream.close();
    if (!opts.store) await store.close();
  });
  return app;
}
