/**
 * Logger options (pino via fastify; docs/server-api.md "Keys" lists what is redacted):
 * structured JSON, with redaction of everything that could carry a key, a PAN or a PIN should it
 * ever reach a log object. The server's own code logs codes and ids only; request bodies are
 * never logged (fastify logs method, URL, status).
 */
import type { Writable } from 'node:stream';

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

/** fastify's logger options for ServerConfig.logger, with the redaction paths. */
export function loggerOptions(logger: boolean | { level?: string; stream?: Writable } | undefined) {
  if (logger === false) return false;
  const o = typeof logger === 'object' ? logger : {};
  return {
    level: o.level ?? 'info',
    ...(o.stream ? { stream: o.stream } : {}),
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
  };
}
