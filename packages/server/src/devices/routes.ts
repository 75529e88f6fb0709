/**
 * Device routes (docs/server-api.md "Routes", "Enrollment, messages, statements";
 * docs/cbp-protocol.md §1–§3; docs/design.md "Server ↔ TA messages", "Attestation"): challenge,
 * enroll, provision, replenish, sync, and the message outbox the wallet reads.
 */

import type {
  Challenge,
  EnrollRequest,
  EnrollResult,
  MessagesResult,
  ProvisionRequest,
  StatementRequest,
  SyncResult,
} from '@openvse/protocol';
import type { FastifyInstance } from 'fastify';
import { Caller } from '../auth/callers.js';
import {
  type DeviceParams,
  deviceIdPattern,
  deviceParams,
  type EmptyBody,
  emptyBody,
  errorResponses,
  idPattern,
  publicJwkSchema,
  queuedMessageSchema,
  statementBody,
} from '../http/schemas.js';
import { enrollDevice, issueChallenge, requireDevice } from './enrollment.js';
import { provisionCard } from './provision.js';
import { replenish } from './replenish.js';
import { type DeviceResetResult, resetDevice } from './reset.js';
import { syncDevice } from './sync.js';

/** `:deviceId/cards/:cardId` */
const deviceCardParams = {
  type: 'object',
  additionalProperties: false,
  required: ['deviceId', 'cardId'],
  properties: {
    deviceId: { type: 'string', pattern: deviceIdPattern },
    cardId: { type: 'string', pattern: idPattern },
  },
} as const;

/** @openvse/protocol ProvisionRequest. */
const provisionBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    activationCode: {
      type: 'string',
      pattern: '^[A-Za-z0-9_-]{22}$',
      description: 'the one-time code from digitization; not needed to provision again to the same device',
    },
  },
} as const;

/** The path parameters of the provision route. */
interface DeviceCardParams extends DeviceParams {
  cardId: string;
}

/** The querystring of the outbox route (strings: Ajv does not coerce). */
interface MessagesQuery {
  after?: string;
  limit?: string;
}

/** @openvse/protocol Challenge. */
const challengeResponse = {
  type: 'object',
  additionalProperties: false,
  required: ['nonce', 'expiresAt', 'serverSigningJwk', 'serverKid'],
  properties: {
    nonce: { type: 'string' },
    expiresAt: { type: 'integer' },
    serverSigningJwk: publicJwkSchema,
    serverKid: { type: 'string' },
  },
} as const;

/** @openvse/protocol EnrollRequest. */
const enrollBody = {
  type: 'object',
  additionalProperties: false,
  required: ['attestation', 'platformJwk'],
  properties: {
    attestation: { type: 'string', minLength: 1, maxLength: 16384 },
    platformJwk: publicJwkSchema,
  },
} as const;

/** @openvse/protocol EnrollResult. */
const enrollResponse = {
  type: 'object',
  additionalProperties: false,
  required: ['deviceId', 'protectionLevel', 'serverSigningJwk', 'serverKid', 'lastSeq'],
  properties: {
    deviceId: { type: 'string' },
    protectionLevel: { type: 'string', enum: ['L0', 'L1', 'L2'] },
    serverSigningJwk: publicJwkSchema,
    serverKid: { type: 'string' },
    lastSeq: { type: 'integer' },
  },
} as const;

/** @openvse/protocol MessagesResult. */
const messagesResponse = {
  type: 'object',
  additionalProperties: false,
  required: ['messages'],
  properties: { cardId: { type: 'string' }, messages: { type: 'array', items: queuedMessageSchema } },
} as const;

/** @openvse/protocol SyncResult. */
const syncResponse = {
  type: 'object',
  additionalProperties: false,
  required: ['deviceId', 'stateCounter', 'lastSeq', 'pendingMessages', 'cards'],
  properties: {
    deviceId: { type: 'string' },
    stateCounter: { type: 'string' },
    lastSeq: { type: 'integer' },
    pendingMessages: { type: 'integer' },
    cards: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['cardId', 'status', 'profile'],
        properties: {
          cardId: { type: 'string' },
          status: { type: 'string' },
          profile: { type: 'string' },
        },
      },
    },
  },
} as const;

/** The outbox route's querystring. */
const messagesQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    after: { type: 'string', pattern: '^[0-9]{1,15}$' },
    limit: { type: 'string', pattern: '^[0-9]{1,3}$' },
  },
} as const;

/** A POST without a body is a POST of `{}`. */
const emptyIfMissing = async (req: { body: unknown }) => {
  if (req.body === undefined || req.body === null) req.body = {};
};

/** Registers the device routes. */
export async function deviceRoutes(app: FastifyInstance): Promise<void> {
  const s = app.services;

  app.post<{ Body: EmptyBody; Reply: Challenge }>(
    '/v1/devices/challenge',
    {
      config: { callers: [Caller.PUBLIC] },
      schema: {
        tags: ['devices'],
        summary: 'A single-use nonce for enrollment or state sync, and the server signing key',
        body: emptyBody,
        response: { 200: challengeResponse, ...errorResponses },
      },
      preValidation: emptyIfMissing,
    },
    async () => issueChallenge(s),
  );

  app.post<{ Body: EnrollRequest; Reply: EnrollResult }>(
    '/v1/devices',
    {
      config: { callers: [Caller.PUBLIC] },
      schema: {
        tags: ['devices'],
        summary: 'Enroll a device with a V-OS attestation',
        body: enrollBody,
        response: { 201: enrollResponse, ...errorResponses },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await enrollDevice(s, req.body.attestation, req.body.platformJwk)),
  );

  app.post<{ Params: DeviceCardParams; Body: ProvisionRequest; Reply: MessagesResult }>(
    '/v1/devices/:deviceId/cards/:cardId/provision',
    {
      config: { callers: [Caller.DEVICE] },
      schema: {
        tags: ['devices'],
        summary: 'Provision a card: provision + credentials messages for the TA',
        params: deviceCardParams,
        body: provisionBody,
        response: { 200: messagesResponse, ...errorResponses },
      },
      preValidation: emptyIfMissing,
    },
    async (req) => {
      const { deviceId, cardId } = req.params;
      return { cardId, messages: await provisionCard(s, deviceId, cardId, req.body.activationCode) };
    },
  );

  app.post<{ Params: DeviceParams; Body: EmptyBody; Reply: DeviceResetResult }>(
    '/v1/devices/:deviceId/reset',
    {
      config: { callers: [Caller.ISSUER, Caller.OPERATOR_ISSUER_ADMIN] },
      schema: {
        tags: ['devices'],
        summary:
          'Reset a device: unbind its cards; it may enroll with a new platform key (a reinstalled wallet)',
        params: deviceParams,
        body: emptyBody,
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['deviceId', 'repinUntil', 'cardsUnbound'],
            properties: {
              deviceId: { type: 'string' },
              repinUntil: { type: 'integer' },
              cardsUnbound: { type: 'integer' },
            },
          },
          ...errorResponses,
        },
      },
      preValidation: emptyIfMissing,
    },
    async (req) => resetDevice(s, req.params.deviceId),
  );

  app.post<{ Params: DeviceParams; Body: StatementRequest; Reply: MessagesResult }>(
    '/v1/devices/:deviceId/replenish',
    {
      config: { callers: [Caller.DEVICE] },
      schema: {
        tags: ['devices'],
        summary: 'Replenish credentials from a TA-signed replenish statement',
        params: deviceParams,
        body: statementBody,
        response: { 200: messagesResponse, ...errorResponses },
      },
    },
    async (req) => {
      const m = await replenish(s, req.params.deviceId, req.body.statement);
      return { cardId: m.cardId ?? undefined, messages: [m] };
    },
  );

  app.post<{ Params: DeviceParams; Body: StatementRequest; Reply: SyncResult }>(
    '/v1/devices/:deviceId/sync',
    {
      config: { callers: [Caller.DEVICE] },
      schema: {
        tags: ['devices'],
        summary: 'State sync from a TA-signed status statement (refuses a state counter going backwards)',
        params: deviceParams,
        body: statementBody,
        response: { 200: syncResponse, ...errorResponses },
      },
    },
    async (req) => syncDevice(s, req.params.deviceId, req.body.statement),
  );

  app.get<{ Params: DeviceParams; Querystring: MessagesQuery; Reply: MessagesResult }>(
    '/v1/devices/:deviceId/messages',
    {
      config: { callers: [Caller.DEVICE] },
      schema: {
        tags: ['devices'],
        summary: 'Messages queued for the device after a sequence number',
        params: deviceParams,
        querystring: messagesQuery,
        response: { 200: messagesResponse, ...errorResponses },
      },
    },
    async (req) => {
      const { deviceId } = req.params;
      const q = req.query;
      await requireDevice(s, deviceId);
      const limit = Math.min(Math.max(Number(q.limit ?? 100), 1), 500);
      const now = s.clock.now();
      // Expired messages stay stored (for audit) but are not served: the TA would refuse them.
      const rows = (await s.store.listMessages(deviceId, Number(q.after ?? 0), limit)).filter(
        (r) => r.expiresAt > now,
      );
      return {
        messages: rows.map((r) => ({
          seq: r.seq,
          typ: r.typ,
          cardId: r.cardId,
          message: r.message,
          expiresAt: r.expiresAt,
        })),
      };
    },
  );
}
