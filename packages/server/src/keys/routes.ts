/**
 * GET /v1/issuer/keys: the key inventory (docs/server-api.md "Keys"; docs/design.md "Storage
 * and scale"; the dashboard's key inventory): versions, KCVs and the signing key id only. No
 * route ever returns key material.
 */

import type { PublicEcJwk } from '@openvse/protocol';
import type { FastifyInstance } from 'fastify';
import { Caller } from '../auth/callers.js';
import { errorResponses, publicJwkSchema } from '../http/schemas.js';
import type { KeyInventory } from './key-store.js';

/** The answer: the inventory, with the server signing key's public JWK. */
export interface IssuerKeysView extends Omit<KeyInventory, 'serverSigning'> {
  serverSigning: KeyInventory['serverSigning'] & { jwk: PublicEcJwk };
}

const kcv = {
  type: 'object',
  additionalProperties: false,
  required: ['version', 'kcv'],
  properties: { version: { type: 'integer' }, kcv: { type: 'string' } },
} as const;

const response = {
  type: 'object',
  additionalProperties: false,
  required: ['imkAc', 'imkMd', 'serverSigning'],
  properties: {
    imkAc: kcv,
    imkMd: kcv,
    serverSigning: {
      type: 'object',
      additionalProperties: false,
      required: ['version', 'kid', 'jwk'],
      properties: { version: { type: 'integer' }, kid: { type: 'string' }, jwk: publicJwkSchema },
    },
  },
} as const;

/** Registers the key inventory route. */
export async function issuerRoutes(app: FastifyInstance): Promise<void> {
  const s = app.services;
  app.get<{ Reply: IssuerKeysView }>(
    '/v1/issuer/keys',
    {
      config: { callers: [Caller.ISSUER, Caller.OPERATOR_ISSUER_ADMIN, Caller.OPERATOR_SECURITY_ADMIN] },
      schema: {
        tags: ['issuer'],
        summary: 'Issuer key inventory (KCVs only) and the server signing public key',
        response: { 200: response, ...errorResponses },
      },
    },
    async () => {
      const inv = s.keys.inventory();
      return { ...inv, serverSigning: { ...inv.serverSigning, jwk: s.keys.signingPublicJwk } };
    },
  );
}
