/**
 * Logger options (pino via fastify; docs/server-api.md "Keys" lists what is redacted, "Logs" the
 * formats): structured JSON, or one human-readable line per record (http/pretty-log.ts), with
 * redaction of everything that could carry a key, a PAN or a PIN should it ever reach a log
 * object. The server's own code logs codes and ids only; request bodies are never logged
 * (fastify logs method, URL, status).
 */
import type { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { createPrettyLogStream } from './pretty-log.js';

const SECRET_FIELDS = [
  'kek',
  'imkAc',
  'imkMd',
  'key',
  'luk',
  'suks',
  'sukUmd',
  'skMd',
  'd',
  'fundingPan',
  'pan',
  'tokenPan',
  'mobilePin',
  'chipData',
  'statement',
  'attestation',
  'body',
];

/** Each secret field at the top of a log object and one or two levels down. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  ...SECRET_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]),
];

/** How log records are written: pino's JSON lines, or one pretty line each (http/pretty-log.ts). */
export type LogFormat = 'json' | 'pretty';

/**
 * fastify's logger options for ServerConfig.logger, with the redaction paths. `format: 'pretty'`
 * puts the pretty layout between pino and the stream (stdout unless `stream` is given); the
 * records, their levels and their redaction are the same in both formats.
 */
export function loggerOptions(
  logger: boolean | { level?: string; stream?: Writable; format?: LogFormat } | undefined,
) {
  if (logger === false) return false;
  const o = typeof logger === 'object' ? logger : {};
  const stream = o.format === 'pretty' ? createPrettyLogStream(o.stream ?? process.stdout) : o.stream;
  return {
    level: o.level ?? 'info',
    ...(stream ? { stream } : {}),
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
  };
}

/**
 * The routes whose requests are logged at `debug`, not `info`: what polls (the dashboard, a
 * wallet fetching its messages, health checks, the OpenAPI document). At `info` the log then
 * holds the calls that change something and one line per business decision
 * (stream/decision-log.ts), instead of mostly polling.
 */
export function isPollingRoute(method: string | string[], url: string): boolean {
  const methods = [method].flat();
  if (!methods.every((m) => m === 'GET' || m === 'HEAD')) return false;
  return (
    url === '/healthz' ||
    url === '/openapi.json' ||
    url === '/dashboard' ||
    url.startsWith('/dashboard/') ||
    url.startsWith('/v1/dashboard/') ||
    url === '/v1/devices/:deviceId/messages' ||
    url === '/v1/devices/:deviceId/risk' ||
    url === '/v1/operator/session'
  );
}

/**
 * One line per request once it is answered (fastify's own request logging is off): method, route,
 * status and time, at `info` — or at `debug` for a polling route ({@link isPollingRoute}).
 */
export function installRequestLog(app: FastifyInstance): void {
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url;
    const line = {
      req: { method: req.method, url: req.url, ...(route ? { route } : {}) },
      res: { statusCode: reply.statusCode },
      responseTime: reply.elapsedTime,
    };
    if (route && isPollingRoute(req.method, route)) req.log.debug(line, 'request completed');
    else req.log.info(line, 'request completed');
  });
}
