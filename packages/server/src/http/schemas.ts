/**
 * JSON schemas shared by the routes (fastify validation + @fastify/swagger OpenAPI;
 * docs/server-api.md), and the types of the path parameters they check. Every object is closed
 * (`additionalProperties: false`); the Ajv instance does not coerce types or strip unknown
 * fields (app.ts), so a wrong type or an unknown field is a 400, never ignored.
 */
import { MESSAGE_TYPES } from '@openvse/protocol';

/** The error body every route answers with (docs/server-api.md "Errors"), as a shared schema. */
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

/** The 4xx and 5xx answers of a route: the shared error body. */
export const errorResponses = {
  '4xx': { $ref: 'Error#' },
  '5xx': { $ref: 'Error#' },
} as const;

/** The body of a POST that takes none (`{}`; a missing body is made `{}` before validation). */
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

/** The type of a body that must be `{}`. */
export type EmptyBody = Record<string, never>;

/** A card id (and an authorization id): the `cardId` syntax of docs/cbp-protocol.md §2. */
export const idPattern = '^[A-Za-z0-9_-]{1,64}$';
/** A device id as V-OS attests it. */
export const deviceIdPattern = '^[A-Za-z0-9._:-]{1,256}$';

/** `:deviceId` */
export const deviceParams = {
  type: 'object',
  additionalProperties: false,
  required: ['deviceId'],
  properties: { deviceId: { type: 'string', pattern: deviceIdPattern } },
} as const;

/** The path parameters of a device route. */
export interface DeviceParams {
  deviceId: string;
}

/** `:cardId` */
export const cardIdParams = {
  type: 'object',
  additionalProperties: false,
  required: ['cardId'],
  properties: { cardId: { type: 'string', pattern: idPattern } },
} as const;

/** The path parameters of a card route. */
export interface CardParams {
  cardId: string;
}

/** A message of a device's outbox (@openvse/protocol QueuedMessage). */
export const queuedMessageSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['seq', 'typ', 'message', 'expiresAt'],
  properties: {
    seq: { type: 'integer' },
    typ: { type: 'string', enum: [...MESSAGE_TYPES] },
    cardId: { type: ['string', 'null'] },
    message: { type: 'string', description: 'compact JWE (JWS inside) for the TA' },
    expiresAt: { type: 'integer' },
  },
} as const;

/** A public EC P-256 JWK, never with private members (@openvse/protocol PublicEcJwk). */
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

/** A card as the card routes show it (@openvse/protocol CardView). */
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
    activation: {
      type: 'object',
      additionalProperties: false,
      required: ['code', 'expiresAt'],
      properties: { code: { type: 'string' }, expiresAt: { type: 'integer' } },
    },
  },
} as const;

/** The body of the replenish and sync routes (@openvse/protocol StatementRequest). */
export const statementBody = {
  type: 'object',
  additionalProperties: false,
  required: ['statement'],
  properties: {
    statement: { type: 'string', minLength: 1, maxLength: 32768, description: 'TA-signed compact JWS' },
  },
} as const;
