/**
 * One error shape for every route: `{ error: { code: 'ERR_…', message } }` with a stable code
 * (docs/server-api.md "Errors"). Validation failures, bad JSON, oversized bodies and wrong media
 * types are 4xx before any handler runs, so nothing is stored; unknown failures are a 500
 * ERR_INTERNAL whose message says nothing about the request. fastify's own errors that never
 * reach a route (a malformed URL, a path parameter too long, an HTTP request the parser refuses)
 * get the same shape through {@link fastifyErrorOptions}. No message repeats the URL, a header
 * or any part of the body: each is fixed text, or names a field the route's schema declares.
 */

import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiErrorCode } from '@openvse/protocol';
import type {
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  FastifyServerOptions,
} from 'fastify';
import { errorBody, ServerError } from '../errors.js';

/** fastify's errors: the status and stable code each is answered with, and a fixed message. */
const FASTIFY_CODES: Record<string, [number, ApiErrorCode, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, ApiErrorCode.BODY_TOO_LARGE, 'request body is too large'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, ApiErrorCode.INVALID_JSON, 'body is not valid JSON'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, ApiErrorCode.INVALID_JSON, 'body is empty'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, ApiErrorCode.UNSUPPORTED_MEDIA_TYPE, 'expected application/json'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [
    400,
    ApiErrorCode.VALIDATION,
    'content-length does not match the body',
  ],
  FST_ERR_BAD_URL: [400, ApiErrorCode.BAD_REQUEST, 'malformed URL'],
  FST_ERR_MAX_PARAM_LENGTH: [414, ApiErrorCode.URI_TOO_LONG, 'path parameter too long'],
};

/**
 * The longest path parameter the router matches (decoded): a device id is up to 256 characters
 * (`deviceIdPattern` in schemas.ts), the router's default of 100 would refuse most of them.
 * Longer is a 414 `ERR_URI_TOO_LONG`.
 */
export const MAX_PARAM_LENGTH = 256;

/** What fastify answers before routing: a malformed URL, a path parameter too long. */
function frameworkErrors(err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  const mapped = FASTIFY_CODES[err.code];
  if (!mapped) {
    req.log.error({ err: { name: err.name, code: err.code } }, 'framework error');
    reply.code(500).send(errorBody(ApiErrorCode.INTERNAL, 'internal error'));
    return;
  }
  reply.code(mapped[0]).send(errorBody(mapped[1], mapped[2]));
}

/**
 * An HTTP request Node's parser refuses (malformed request line or headers, headers too large,
 * too slow): answered on the socket in the same shape, then the connection is closed. Nothing
 * when the socket is already gone or a response on it has begun.
 */
function clientErrorHandler(this: FastifyInstance, err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message]: [number, ApiErrorCode, string] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, ApiErrorCode.REQUEST_TIMEOUT, 'request timeout']
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, ApiErrorCode.HEADERS_TOO_LARGE, 'request headers too large']
        : [400, ApiErrorCode.BAD_REQUEST, 'malformed HTTP request'];
  this.log.debug({ code: err.code }, 'client error');
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (!socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify(errorBody(code, message));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    () => socket.destroy(),
  );
}

/** The fastify options that give its own errors the stable shape (spread into `Fastify({…})`). */
export const fastifyErrorOptions = {
  routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
  frameworkErrors,
  clientErrorHandler,
} satisfies Pick<FastifyServerOptions, 'routerOptions' | 'frameworkErrors' | 'clientErrorHandler'>;

/** Installs the error and not-found handlers that answer every error with one shape. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | ServerError | Error, req, reply) => {
    if (err instanceof ServerError) {
      if (err.statusCode >= 500) req.log.error({ code: err.code }, err.message);
      return reply.code(err.statusCode).send(errorBody(err.code, err.message));
    }
    const fe = err as FastifyError;
    if (fe.validation) {
      const first = fe.validation[0];
      // The instance path names fields of the schema (closed objects, arrays: indexes); an
      // unknown field is not named, nor any value: both are the caller's input.
      const where = `${fe.validationContext ?? 'request'}${first?.instancePath ?? ''}`;
      return reply
        .code(400)
        .send(errorBody(ApiErrorCode.VALIDATION, `${where} ${first?.message ?? 'is invalid'}`));
    }
    const mapped = fe.code ? FASTIFY_CODES[fe.code] : undefined;
    if (mapped) return reply.code(mapped[0]).send(errorBody(mapped[1], mapped[2]));
    if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500)
      return reply.code(fe.statusCode).send(errorBody(ApiErrorCode.BAD_REQUEST, 'bad request'));
    // Name, code, message and stack only: never the error object itself (a driver error can
    // carry row values in `detail`).
    req.log.error(
      { err: { name: err.name, code: fe.code, message: err.message, stack: err.stack } },
      'unhandled error',
    );
    return reply.code(500).send(errorBody(ApiErrorCode.INTERNAL, 'internal error'));
  });
  app.setNotFoundHandler((_req, reply) => {
    reply.code(404).send(errorBody(ApiErrorCode.NOT_FOUND, 'no such route'));
  });
}
