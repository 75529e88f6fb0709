/**
 * Device routes (docs/design.md "Server ↔ TA messages", "Attestation"; docs/cbp-protocol.md
 * §2–§3):
 * challenge, enroll, provision, replenish, sync, and the message outbox the wallet reads.
 */
import type { FastifyInstance } from 'fastify';
import { enrollDevice, issueChallenge, type PlatformJwk, requireDevice } from '../devices/enrollment.js';
import { provisionCard } from '../devices/provision.js';
import { replenish } from '../devices/replenish.js';
import { syncDevice } from '../devices/sync.js';
import {
  deviceIdPattern,
  emptyBody,
  errorResponses,
  idPattern,
  publicJwkSchema,
  queuedMessageSchema,
  statementBody,
} from '../http/schemas.js';

const deviceParams = {
  type: 'object',
  additionalProperties: false,
  required: ['deviceId'],
  properties: { deviceId: { type: 'string', pattern: deviceIdPattern } },
} as const;

const deviceCardParams = {
  type: 'object',
  additionalProperties: false,
  required: ['deviceId', 'cardId'],
  properties: {
    deviceId: { type: 'string', pattern: deviceIdPattern },
    cardId: { type: 'string', pattern: idPattern },
  },
} as const;

const messagesResponse = {
  type: 'object',
  additionalProperties: false,
  required: ['messages'],
  properties: { cardId: { type: 'string' }, messages: { type: 'array', items: queuedMessageSchema } },
} as const;

const emptyIfMissing = async (req: { body: unknown }) => {
  if (req.body === undefined || req.body === null) req.body = {};
};

export async function deviceRoutes(app: FastifyInstance): Promise<void> {
  const s = app.services;

  app.post(
    '/v1/devices/challenge',
    {
      schema: {
        tags: ['devices'],
        summary: 'A single-use nonce for enrollment or state sync, and the server signing key',
        body: emptyBody,
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['nonce', 'expiresAt', 'serverSigningJwk', 'serverKid'],
            properties: {
              nonce: { type: 'string' },
              expiresAt: { type: 'integer' },
              serverSigningJwk: publicJwkSchema,
              serverKid: { type: 'string' },
            },
          },
          ...errorResponses,
        },
      },
      preValidation: emptyIfMissing,
    },
    async () => issueChallenge(s),
  );

  app.post(
    '/v1/devices',
    {
      schema: {
        tags: ['devices'],
        summary: 'Enroll a device with a V-OS attestation',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['attestation', 'platformJwk'],
          properties: {
            attestation: { type: 'string', minLength: 1, maxLength: 16384 },
            platformJwk: publicJwkSchema,
          },
        },
        response: {
          201: {
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
          },
          ...errorResponses,
        },
      },
    },
    async (req, reply) => {
      const b = req.body as { attestation: string; platformJwk: PlatformJwk };
      return reply.code(201).send(await enrollDevice(s, b.attestation, b.platformJwk));
    },
  );

  app.post(
    '/v1/devices/:deviceId/cards/:cardId/provision',
    {
      schema: {
        tags: ['devices'],
        summary: 'Provision a card: provision + credentials messages for the TA',
        params: deviceCardParams,
        body: emptyBody,
        response: { 200: messagesResponse, ...errorResponses },
      },
      preValidation: emptyIfMissing,
    },
    async (req) => {
      const p = req.params as { deviceId: string; cardId: string };
      return { cardId: p.cardId, messages: await provisionCard(s, p.deviceId, p.cardId) };
    },
  );

  app.post(
    '/v1/devices/:deviceId/replenish',
    {
      schema: {
        tags: ['devices'],
        summary: 'Replenish credentials from a TA-signed replenish statement',
        params: deviceParams,
        body: statementBody,
        response: { 200: messagesResponse, ...errorResponses },
      },
    },
    async (req) => {
      const p = req.params as { deviceId: string };
      const m = await replenish(s, p.deviceId, (req.body as { statement: string }).statement);
      return { cardId: m.cardId ?? undefined, messages: [m] };
    },
  );

  app.post(
    '/v1/devices/:deviceId/sync',
    {
      schema: {
        tags: ['devices'],
        summary: 'State sync from a TA-signed status statement (refuses a state counter going backwards)',
        params: deviceParams,
        body: statementBody,
        response: {
          200: {
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
          },
          ...errorResponses,
        },
      },
    },
    async (req) =>
      syncDevice(
        s,
        (req.params as { deviceId: string }).deviceId,
        (req.body as { statement: string }).statement,
      ),
  );

  app.get(
    '/v1/devices/:deviceId/messages',
    {
      schema: {
        tags: ['devices'],
        summary: 'Messages queued for the device after a sequence number',
        params: deviceParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            after: { type: 'string', pattern: '^[0-9]{1,15}$' },
            limit: { type: 'string', pattern: '^[0-9]{1,3}$' },
          },
        },
        response: { 200: messagesResponse, ...errorResponses },
      },
    },
    async (req) => {
      const { deviceId } = req.params as { deviceId: string };
      const q = req.query as { after?: string; limit?: string };
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
