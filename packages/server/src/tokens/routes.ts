/**
 * Token service routes (docs/server-api.md "Routes"; docs/design.md "Tokenization and
 * authorization"): POST /v1/cards (digitize), GET /v1/cards/:cardId, and the lifecycle POST
 * /v1/cards/:cardId/suspend | resume | delete (status change + a signed `lifecycle` message queued
 * to the card's device, docs/cbp-protocol.md §2).
 */

import { ApiErrorCode, type CardView, type DigitizeRequest, type LifecycleAction } from '@openvse/protocol';
import type { FastifyInstance } from 'fastify';
import { Caller } from '../auth/callers.js';
import { requireCard } from '../devices/provision.js';
import { ServerError } from '../errors.js';
import {
  type CardParams,
  cardIdParams,
  cardViewSchema,
  type EmptyBody,
  emptyBody,
  errorResponses,
  queuedMessageSchema,
} from '../http/schemas.js';
import { issueActivationCode } from './activation.js';
import { cardView, digitize } from './digitize.js';
import { changeLifecycle, type LifecycleResult } from './lifecycle.js';

/** @openvse/protocol DigitizeRequest. */
const digitizeBody = {
  type: 'object',
  additionalProperties: false,
  required: ['fundingPan', 'expiry', 'profile'],
  properties: {
    fundingPan: { type: 'string', pattern: '^[0-9]{12,19}$' },
    expiry: { type: 'string', pattern: '^[0-9]{4}$', description: 'YYMM' },
    profile: { type: 'string', enum: ['V', 'M'] },
    cardType: { type: 'string', enum: ['cloud', 'plain'], default: 'cloud' },
    psn: { type: 'string', pattern: '^[0-9]{2}$' },
    mobilePin: { type: 'string', pattern: '^[0-9]{4,8}$' },
  },
} as const;

/** {@link LifecycleResult} */
const lifecycleResponse = {
  type: 'object',
  additionalProperties: false,
  required: ['cardId', 'status', 'messages'],
  properties: {
    cardId: { type: 'string' },
    status: { type: 'string', enum: ['ACTIVE', 'SUSPENDED', 'DELETED'] },
    messages: { type: 'array', items: queuedMessageSchema },
  },
} as const;

/** The lifecycle actions, one route each. */
const LIFECYCLE_ACTIONS = ['suspend', 'resume', 'delete'] as const satisfies LifecycleAction[];

/** Registers the card and lifecycle routes. */
export async function cardRoutes(app: FastifyInstance): Promise<void> {
  const s = app.services;

  app.post<{ Body: DigitizeRequest; Reply: CardView }>(
    '/v1/cards',
    {
      config: { callers: [Caller.TOKEN_REQUESTOR] },
      schema: {
        tags: ['tokens'],
        summary: 'Digitize a funding card into a token (or register a plain card)',
        body: digitizeBody,
        response: { 201: cardViewSchema, ...errorResponses },
      },
    },
    async (req, reply) => {
      const view = await digitize(s, req.body);
      return reply.code(201).send(view);
    },
  );

  app.get<{ Params: CardParams; Reply: CardView }>(
    '/v1/cards/:cardId',
    {
      config: { callers: [Caller.TOKEN_REQUESTOR, Caller.ISSUER] },
      schema: {
        tags: ['tokens'],
        summary: 'Card / token record (no secrets)',
        params: cardIdParams,
        response: { 200: cardViewSchema, ...errorResponses },
      },
    },
    async (req) => cardView(s, await requireCard(s, req.params.cardId)),
  );

  app.post<{ Params: CardParams; Body: EmptyBody; Reply: CardView }>(
    '/v1/cards/:cardId/activation',
    {
      config: { callers: [Caller.TOKEN_REQUESTOR] },
      schema: {
        tags: ['tokens'],
        summary: 'A new one-time activation code for a cloud card not yet provisioned (after ID&V again)',
        params: cardIdParams,
        body: emptyBody,
        response: { 200: cardViewSchema, ...errorResponses },
      },
      preValidation: async (req) => {
        if (req.body === undefined || req.body === null) req.body = {};
      },
    },
    async (req) => {
      const card = await requireCard(s, req.params.cardId);
      if (card.cardType !== 'cloud' || card.status !== 'ACTIVE' || card.deviceId !== null)
        throw new ServerError(
          ApiErrorCode.CARD_STATE,
          'only an ACTIVE cloud card not yet provisioned to a device gets an activation code',
        );
      return { ...cardView(s, card), activation: await issueActivationCode(s, card.cardId) };
    },
  );

  for (const action of LIFECYCLE_ACTIONS) {
    app.post<{ Params: CardParams; Body: EmptyBody; Reply: LifecycleResult }>(
      `/v1/cards/:cardId/${action}`,
      {
        config: { callers: [Caller.ISSUER, Caller.TOKEN_REQUESTOR, Caller.OPERATOR_ISSUER_ADMIN] },
        schema: {
          tags: ['lifecycle'],
          summary: `Lifecycle: ${action} the token and queue a lifecycle message to its device`,
          params: cardIdParams,
          body: emptyBody,
          response: { 200: lifecycleResponse, ...errorResponses },
        },
        preValidation: async (req) => {
          if (req.body === undefined || req.body === null) req.body = {};
        },
      },
      async (req) => changeLifecycle(s, req.params.cardId, action),
    );
  }
}
