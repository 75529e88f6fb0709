/**
 * POST /v1/authorizations: the issuer authorization endpoint for terminals (docs/server-api.md
 * "Authorization"; docs/design.md "Tokenization and authorization"; authorize.ts). A decline is
 * a 200 with `decision: 'DECLINE'` and a stable reason; 409 ERR_IDEMPOTENCY_CONFLICT when the key
 * was used for a different request.
 */

import type { AuthorizationRequest, AuthorizationResponse } from '@openvse/protocol';
import type { FastifyInstance } from 'fastify';
import { Caller } from '../auth/callers.js';
import { errorResponses } from '../http/schemas.js';
import { authorize } from './authorize.js';

/** @openvse/protocol AuthorizationRequest: a token PAN or a plain card's PAN, and its chip data. */
const body = {
  type: 'object',
  additionalProperties: false,
  required: ['idempotencyKey', 'chipData', 'amount', 'currency'],
  oneOf: [{ required: ['tokenPan'] }, { required: ['pan'] }],
  properties: {
    idempotencyKey: { type: 'string', pattern: '^[A-Za-z0-9._:-]{8,128}$' },
    tokenPan: { type: 'string', pattern: '^[0-9]{12,19}$' },
    pan: { type: 'string', pattern: '^[0-9]{12,19}$' },
    panSequence: { type: 'string', pattern: '^[0-9]{2}$' },
    chipData: {
      type: 'string',
      pattern: '^([0-9A-Fa-f]{2}){8,1024}$',
      description: 'field 55-style BER-TLV, hex',
    },
    amount: {
      type: 'integer',
      minimum: 0,
      maximum: 999999999999,
      description: 'minor units; must equal 9F02',
    },
    currency: { type: 'string', pattern: '^[0-9]{3}$', description: 'ISO 4217 numeric; must equal 5F2A' },
    terminalId: { type: 'string', maxLength: 16, pattern: '^[ -~]*$' },
    merchantId: { type: 'string', maxLength: 32, pattern: '^[ -~]*$' },
  },
} as const;

/** @openvse/protocol AuthorizationResponse. */
const response = {
  type: 'object',
  additionalProperties: false,
  required: ['authorizationId', 'decision', 'reason', 'reasons', 'responseCode'],
  properties: {
    authorizationId: { type: 'string' },
    decision: { type: 'string', enum: ['APPROVE', 'DECLINE'] },
    reason: { type: 'string' },
    reasons: { type: 'array', items: { type: 'string' } },
    responseCode: { type: 'string' },
    atc: { type: 'integer' },
    cvn: { type: 'string' },
    arpc: { type: 'string' },
    issuerAuthenticationData: { type: 'string', description: 'tag 91 value' },
  },
} as const;

/** Registers the authorization route. */
export async function authorizationRoutes(app: FastifyInstance): Promise<void> {
  const s = app.services;
  app.post<{ Body: AuthorizationRequest; Reply: AuthorizationResponse }>(
    '/v1/authorizations',
    {
      config: { callers: [Caller.ACQUIRER] },
      schema: {
        tags: ['authorization'],
        summary: 'Authorize a transaction (cryptogram, ATC, thresholds, risk) and return an ARPC',
        body,
        response: { 200: response, ...errorResponses },
      },
    },
    async (req) => authorize(s, req.body),
  );
}
