/**
 * One error shape for every route: `{ error: { code: 'ERR_…', message } }` with a stable code
 * (docs/server-api.md "Errors"). Validation failures, bad JSON, oversized bodies and wrong media
 * types are 4xx before any handler runs, so nothing is stored; unknown failures are a 500
 * ERR_INTERNAL whose message says nothing about the request.
 */

import { ApiErrorCode } from '@openvse/protocol';
import type { FastifyError, FastifyInstance } from 'fastify';
import { errorBody, ServerError } from '../errors.js';

const FASTIFY_CODES: Record<string, [number, ApiErrorCode]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, ApiErrorCode.BODY_TOO_LARGE],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, ApiErrorCode.INVALID_JSON],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, ApiErrorCode.INVALID_JSON],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, ApiErrorCode.UNSUPPORTED_MEDIA_TYPE],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, ApiErrorCode.VALIDATION],
};

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
      const where = `${fe.validationContext ?? 'request'}${first?.instancePath ?? ''}`;
      const extra =
        first?.keyword === 'additionalProperties'
          ? ` (${String((first.params as { additionalProperty?: unknown }).additionalProperty).slice(0, 64)})`
          : '';
      return reply
        .code(400)
        .send(errorBody(ApiErrorCode.VALIDATION, `${where} ${first?.message ?? 'is invalid'}${extra}`));
    }
    const mapped = fe.code ? FASTIFY_CODES[fe.code] : undefined;
    if (mapped) return reply.code(mapped[0]).send(errorBody(mapped[1], fe.message));
    if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500)
      return reply.code(fe.statusCode).send(errorBody(ApiErrorCode.VALIDATION, 'bad request'));
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
