/**
 * JSON schemas shared by the routes (fastify validation + @fastify/swagger OpenAPI). Every
 * object is closed (`additionalProperties: false`); the Ajv instance does not coerce types or
 * strip unknown fields (app.ts), so a wrong type or an unknown field is a 400, never ignored.
 */

export const errorSchema = {
  $id: 'Error',
  type: 'object',
  additionalProperties: false,
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      additionalProperties: false,
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' } },
    },
  },
} as const;

export const errorResponses = {
  '4xx': { $ref: 'Error#' },
  '5xx': { $ref: 'Error#' },
} as const;

export const emptyBody = {
  type: 'object',
  additionalProperties: false,
  properties: {},
} as const;

/** The querystring of a route that takes no query parameters. */
export const emptyQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {},
} as const;

export const idPattern = '^[A-Za-z0-9_-]{1,64}$';
export const deviceIdPattern = '^[A-Za-z0-9._:-]{1,256}$';

export const queuedMessageSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['seq', 'typ', 'message', 'expiresAt'],
  properties: {
    seq: { type: 'integer' },
    typ: { type: 'string', enum: ['provision', 'credentials', 'lifecycle', 'policy'] },
    cardId: { type: ['string', 'null'] },
    message: { type: 'string', description: 'compact JWE (JWS inside) for the TA' },
    expiresAt: { type: 'integer' },
  },
} as const;

export const publicJwkSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['kty', 'crv', 'x', 'y'],
  properties: {
    kty: { type: 'string', const: 'EC' },
    crv: { type: 'string', const: 'P-256' },
    x: { type: 'string', pattern: '^[A-Za-z0-9_-]{43}$' },
    y: { type: 'string', pattern: '^[A-Za-z0-9_-]{43}$' },
  },
} as const;

export const cardViewSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['cardId', 'fundingPanLast4', 'psn', 'expiry', 'profile', 'cardType', 'status', 'mobilePin'],
  properties: {
    cardId: { type: 'string' },
    tokenPan: { type: 'string' },
    fundingPanLast4: { type: 'string' },
    psn: { type: 'string' },
    expiry: { type: 'string' },
    profile: { type: 'string', enum: ['V', 'M'] },
    cardType: { type: 'string', enum: ['cloud', 'plain'] },
    status: { type: 'string', enum: ['ACTIVE', 'SUSPENDED', 'DELETED'] },
    mobilePin: { type: 'boolean' },
    deviceId: { type: 'string' },
  },
} as const;

export const statementBody = {
  type: 'object',
  additionalProperties: false,
  required: ['statement'],
  properties: {
    statement: { type: 'string', minLength: 1, maxLength: 32768, description: 'TA-signed compact JWS' },
  },
} as const;
