/**
 * One error shape for every route: `{ error: { code: 'ERR_…', message } }` with a stable code
 * (docs/server-api.md "Errors"). Validation failures, bad JSON, oversized bodies and wrong media
 * types are 4xx before any handler runs, so nothing is stored; unknown failures are a 500
 * ERR_INTERNAL whose message says nothing about the request.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { errorBody, ServerError, ServerErrorCode } from '../errors.js';

const FASTIFY_CODES: Record<string, [number, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, ServerErrorCode.BODY_TOO_LARGE],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, ServerErrorCode.INVALID_JSON],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, ServerErrorCode.INVALID_JSON],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, ServerErrorCode.UNSUPPORTED_MEDIA_TYPE],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, ServerErrorCode.VALIDATION],
};

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
        .send(errorBody(ServerErrorCode.VALIDATION, `${where} ${first?.message ?? 'is invalid'}${extra}`));
    }
    const mapped = fe.code ? FASTIFY_CODES[fe.code] : undefined;
    if (mapped) return reply.code(mapped[0]).send(errorBody(mapped[1], fe.message));
    if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500)
      return reply.code(fe.statusCode).send(errorBody(ServerErrorCode.VALIDATION, 'bad request'));
    // Name, code, message and stack only: never the error object itself (a driver error can
    // carry row values in `detail`).
    req.log.error(
      { err: { name: err.name, code: fe.code, message: err.message, stack: err.stack } },
      'unhandled error',
    );
    return reply.code(500).send(errorBody(ServerErrorCode.INTERNAL, 'internal error'));
  });
  app.setNotFoundHandler((_req, reply) => {
    reply.code(404).send(errorBody(ServerErrorCode.NOT_FOUND, 'no such route'));
  });
}
