/**
 * Per-caller abuse limits (docs/server-api.md "Rate limits"; issue 11 "Abuse limits"):
 * @fastify/rate-limit with its Redis store, so a limit holds across every server instance that
 * shares the Redis. Four route classes, each with its own limit, key and behaviour when Redis is
 * unreachable:
 *
 * | class | routes | key | Redis down |
 * |---|---|---|---|
 * | authorization | POST /v1/authorizations | acquirer's access-token client id, else IP | open |
 * | digitization | POST /v1/cards | token requestor's client id, else IP | open |
 * | enrollment | POST /v1/devices/challenge, POST /v1/devices | client IP (public routes) | closed |
 * | provisioning | POST /v1/devices/:deviceId/cards/:cardId/provision | the proven device id, else IP | closed |
 *
 * The key is the authenticated caller where there is one: the token caller that
 * auth/caller-checks.ts set in its `onRequest` hook (route-level hooks run after it), the device
 * whose request proof it checked in `preValidation` (the provisioning limit runs in a route-level
 * `preValidation` hook, so after that check and before the body is validated: a forged proof
 * cannot spend a victim device's budget, and every proven attempt counts, whatever it answers).
 * Without authentication (open development mode) it is the client IP.
 *
 * Redis unreachable: payments and digitization by authenticated system callers fail **open**
 * (a Redis outage must not decline every payment; those callers are authenticated and every
 * cryptogram is still verified); the public enrollment routes and activation-code attempts fail
 * **closed** with 503 `ERR_RATE_LIMIT_UNAVAILABLE` (there the limit is the guard against
 * brute force and enrollment floods). Each class's `failOpen` overrides that.
 *
 * Over the limit: 429 `ERR_RATE_LIMITED` in the server's error shape with `Retry-After` (seconds).
 */
import { createRequire } from 'node:module';
import rateLimit, {
  type FastifyRateLimitStore,
  type RateLimitOptions,
  type RateLimitPluginOptions,
} from '@fastify/rate-limit';
import { ApiErrorCode } from '@openvse/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Redis } from 'ioredis';
import { ServerError } from '../errors.js';

/** One route class's limit: at most `max` requests per key per `windowSeconds`. */
export interface RateLimitRule {
  max: number;
  windowSeconds: number;
  /** When Redis is unreachable: let the request through (true) or answer 503 (false). */
  failOpen: boolean;
}

/** The route classes that are limited. */
export type RateLimitClass = 'authorization' | 'digitization' | 'enrollment' | 'provisioning';

/** `ServerConfig.rateLimit`: where the counters live and each class's limit. */
export interface RateLimitConfig {
  /** Redis URL, e.g. `redis://127.0.0.1:6379` (`rediss://` for TLS). */
  redis: string;
  /** Prefix of every counter key (default `openvse:rl:`); instances that share limits share it. */
  keyPrefix?: string;
  /** How long a Redis command may take before it counts as unreachable (default 500 ms). */
  commandTimeoutMs?: number;
  authorization?: Partial<RateLimitRule>;
  digitization?: Partial<RateLimitRule>;
  enrollment?: Partial<RateLimitRule>;
  provisioning?: Partial<RateLimitRule>;
}

/** The default limits (docs/server-api.md "Rate limits"). */
export const RATE_LIMIT_DEFAULTS: Readonly<Record<RateLimitClass, RateLimitRule>> = Object.freeze({
  // 100 authorizations per second per acquirer client, averaged over a minute.
  authorization: { max: 6000, windowSeconds: 60, failOpen: true },
  // 5 digitizations per second per token requestor client, averaged over a minute.
  digitization: { max: 300, windowSeconds: 60, failOpen: true },
  // Per client IP, per route (challenge and enrollment each): a device enrolls once per install.
  enrollment: { max: 30, windowSeconds: 60, failOpen: false },
  // Per device: provisioning (and its activation-code check) 10 times per 15 minutes.
  provisioning: { max: 10, windowSeconds: 900, failOpen: false },
});

/** Which class each limited route is in (method and URL as registered). */
const ROUTES: Record<string, RateLimitClass> = {
  'POST /v1/authorizations': 'authorization',
  'POST /v1/cards': 'digitization',
  'POST /v1/devices/challenge': 'enrollment',
  'POST /v1/devices': 'enrollment',
  'POST /v1/devices/:deviceId/cards/:cardId/provision': 'provisioning',
};

const DEFAULT_PREFIX = 'openvse:rl:';
const DEFAULT_COMMAND_TIMEOUT_MS = 500;

function checkRule(cls: RateLimitClass, over: Partial<RateLimitRule> | undefined): RateLimitRule {
  const r = { ...RATE_LIMIT_DEFAULTS[cls], ...(over ?? {}) };
  const bad = (what: string) => new ServerError(ApiErrorCode.CONFIG, `rateLimit.${cls}.${what}: bad value`);
  if (!Number.isInteger(r.max) || r.max < 1) throw bad('max');
  if (!Number.isInteger(r.windowSeconds) || r.windowSeconds < 1 || r.windowSeconds > 86_400)
    throw bad('windowSeconds');
  if (typeof r.failOpen !== 'boolean') throw bad('failOpen');
  return r;
}

/** Every class's rule with the defaults applied; ServerError ERR_CONFIG names a bad value. */
export function resolveRateLimits(c: RateLimitConfig): Record<RateLimitClass, RateLimitRule> {
  if (typeof c.redis !== 'string' || !/^rediss?:\/\//.test(c.redis))
    throw new ServerError(ApiErrorCode.CONFIG, 'rateLimit.redis: expected a redis:// or rediss:// URL');
  return {
    authorization: checkRule('authorization', c.authorization),
    digitization: checkRule('digitization', c.digitization),
    enrollment: checkRule('enrollment', c.enrollment),
    provisioning: checkRule('provisioning', c.provisioning),
  };
}

/** The key of a request in `cls`: the authenticated caller, else the client IP. */
function keyOf(cls: RateLimitClass, req: FastifyRequest): string {
  if ((cls === 'authorization' || cls === 'digitization') && req.tokenCaller)
    return `client:${req.tokenCaller.clientId}`;
  if (cls === 'provisioning' && req.byDevice) {
    // preValidation: caller-checks has verified the proof names this device (or refused).
    const { deviceId } = req.params as { deviceId: string };
    return `device:${deviceId}`;
  }
  return `ip:${req.ip}`;
}

// The plugin's own Redis store (its Lua script: INCR, PEXPIRE on the first hit), wrapped below.
type RedisStoreCtor = new (
  continueExceeding: boolean,
  exponentialBackoff: boolean,
  redis: Redis,
  nameSpace: string,
) => FastifyRateLimitStore;
const RedisStore = createRequire(import.meta.url)('@fastify/rate-limit/store/RedisStore') as RedisStoreCtor;

/**
 * A store that answers a Redis failure with 503 ERR_RATE_LIMIT_UNAVAILABLE (what a fail-closed
 * route answers; a fail-open route's `skipOnError` lets the request through instead) and tells
 * `onFailure`, so an outage is logged.
 */
function guardedStore(redis: Redis, nameSpace: string, onFailure: (e: Error) => void) {
  return class GuardedStore implements FastifyRateLimitStore {
    private readonly inner: FastifyRateLimitStore;
    constructor(
      params: { continueExceeding?: boolean; exponentialBackoff?: boolean },
      inner?: FastifyRateLimitStore,
    ) {
      this.inner =
        inner ??
        new RedisStore(
          params.continueExceeding === true,
          params.exponentialBackoff === true,
          redis,
          nameSpace,
        );
    }
    incr(
      key: string,
      cb: (error: Error | null, result?: { current: number; ttl: number }) => void,
      timeWindow: number,
      max: number,
    ): void {
      this.inner.incr(
        key,
        (err, res) => {
          if (!err) return cb(null, res);
          onFailure(err);
          cb(
            new ServerError(ApiErrorCode.RATE_LIMIT_UNAVAILABLE, 'rate limiting is unavailable, retry later'),
          );
        },
        timeWindow,
        max,
      );
    }
    child(routeOptions: Parameters<FastifyRateLimitStore['child']>[0]): FastifyRateLimitStore {
      return new GuardedStore({}, this.inner.child(routeOptions));
    }
  };
}

/**
 * Installs the limits: a Redis client (closed with the server), @fastify/rate-limit with the
 * guarded Redis store, and each limited route's rule, attached as its routes are registered.
 * Call before the routes are registered. Waits for the first connection (at most the command
 * timeout); when Redis is not there yet the server starts anyway, each route behaving as its class
 * says, and the client keeps reconnecting.
 */
export async function installRateLimits(app: FastifyInstance, cfg: RateLimitConfig): Promise<void> {
  const rules = resolveRateLimits(cfg);
  const commandTimeout = cfg.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  const redis = new Redis(cfg.redis, {
    lazyConnect: true,
    // Fail fast while disconnected (no queue of requests waiting for Redis to come back).
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: Math.max(commandTimeout, 1000),
    commandTimeout,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  // Log an outage once, and its end.
  let down = false;
  const failed = (e: Error) => {
    if (down) return;
    down = true;
    app.log.warn({ err: { name: e.name, message: e.message } }, 'rate-limit store unavailable');
  };
  redis.on('error', failed);
  redis.on('ready', () => {
    if (down) app.log.info('rate-limit store available again');
    down = false;
  });
  try {
    await redis.connect();
  } catch (e) {
    failed(e as Error);
  }
  app.addHook('onClose', async () => {
    redis.disconnect();
  });

  // Attach each limited route's rule as it is registered (before the plugin's own onRoute hook).
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      const cls = ROUTES[`${method} ${route.url}`];
      if (!cls) continue;
      const rule = rules[cls];
      const opts: RateLimitOptions = {
        max: rule.max,
        timeWindow: rule.windowSeconds * 1000,
        skipOnError: rule.failOpen,
        hook: cls === 'provisioning' ? 'preValidation' : 'onRequest',
        keyGenerator: (req) => keyOf(cls, req),
      };
      route.config = { ...(route.config ?? {}), rateLimit: opts };
    }
  });
  const plugin: RateLimitPluginOptions = {
    global: false,
    store: guardedStore(redis, cfg.keyPrefix ?? DEFAULT_PREFIX, failed),
    errorResponseBuilder: (_req, ctx) =>
      new ServerError(
        ApiErrorCode.RATE_LIMITED,
        `too many requests, retry in ${Math.max(1, Math.ceil(ctx.ttl / 1000))} s`,
        429,
      ),
  };
  await app.register(rateLimit, plugin);
}
