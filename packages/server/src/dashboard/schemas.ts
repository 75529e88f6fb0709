/**
 * JSON schemas of the dashboard's read-only routes under /v1/dashboard (docs/fraud-engine.md
 * "Dashboard"), closed like every route's, and the querystrings they accept as types.
 */
import type { RiskContextType } from '../domain/risk-decisions.js';
import { deviceIdPattern, idPattern } from '../http/schemas.js';
import { activeThreatSchema, riskViewSchema } from '../threats/schemas.js';

/** The contexts the fraud engine is asked in (filter of the decisions route). */
const RISK_CONTEXTS: readonly RiskContextType[] = ['authorization', 'provision', 'replenish', 'enroll'];

/** `?limit=` and the route's other parameters, every one a string (Ajv does not coerce). */
export const limitQuery = (extra: Record<string, unknown> = {}) =>
  ({
    type: 'object',
    additionalProperties: false,
    properties: { limit: { type: 'string', pattern: '^[0-9]{1,4}$' }, ...extra },
  }) as const;

/** The querystring of the list routes. */
export interface LimitQuery {
  limit?: string;
}

/** The querystring of `GET /v1/dashboard/threats/timeline`. */
export interface TimelineQuery {
  minutes?: string;
  buckets?: string;
}

/** The querystring of `GET /v1/dashboard/decisions`. */
export interface DecisionsQuery extends LimitQuery {
  context?: RiskContextType;
  authorizationId?: string;
  deviceId?: string;
  cardId?: string;
}

/** One authorization in the dashboard's list. */
const authorizationSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'cardId', 'atc', 'amount', 'currency', 'decision', 'reason', 'createdAt'],
  properties: {
    id: { type: 'string' },
    cardId: { type: ['string', 'null'] },
    atc: { type: ['integer', 'null'] },
    amount: { type: 'integer' },
    currency: { type: 'string' },
    decision: { type: 'string', enum: ['APPROVE', 'DECLINE'] },
    reason: { type: 'string' },
    createdAt: { type: 'integer' },
  },
} as const;

/** Decline reasons and their counts. */
const reasonCountsSchema = {
  type: 'array',
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['reason', 'count'],
    properties: { reason: { type: 'string' }, count: { type: 'integer' } },
  },
} as const;

/** Flat evidence (docs/fraud-engine.md: bounded, never secret). */
const evidenceSchema = {
  type: 'object',
  additionalProperties: { type: ['string', 'number', 'boolean', 'null'] },
} as const;

/** One fraud engine decision with the rules that fired. */
const decisionSchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'id',
    'context',
    'deviceId',
    'cardId',
    'authorizationId',
    'score',
    'outcome',
    'reason',
    'rules',
    'createdAt',
  ],
  properties: {
    id: { type: 'string' },
    context: { type: 'string', enum: [...RISK_CONTEXTS] },
    deviceId: { type: ['string', 'null'] },
    cardId: { type: ['string', 'null'] },
    authorizationId: { type: ['string', 'null'] },
    score: { type: 'integer' },
    outcome: { type: 'string', enum: ['approve', 'step_up', 'decline'] },
    reason: { type: 'string' },
    rules: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['rule', 'typology', 'weight', 'evidence'],
        properties: {
          rule: { type: 'string' },
          typology: { type: 'string' },
          weight: { type: 'integer' },
          evidence: evidenceSchema,
        },
      },
    },
    createdAt: { type: 'integer' },
  },
} as const;

/** `GET /v1/dashboard/overview` */
export const overviewResponse = {
  type: 'object',
  additionalProperties: false,
  required: ['now', 'devices', 'authorizations', 'declineReasons', 'threats24h', 'policyVersion'],
  properties: {
    now: { type: 'integer' },
    devices: {
      type: 'object',
      additionalProperties: false,
      required: ['total', 'clean', 'suspicious', 'compromised', 'silent'],
      properties: {
        total: { type: 'integer' },
        clean: { type: 'integer' },
        suspicious: { type: 'integer' },
        compromised: { type: 'integer' },
        silent: { type: 'integer' },
      },
    },
    authorizations: {
      type: 'object',
      additionalProperties: false,
      required: ['approved', 'declined'],
      properties: { approved: { type: 'integer' }, declined: { type: 'integer' } },
    },
    declineReasons: reasonCountsSchema,
    threats24h: { type: 'integer' },
    policyVersion: { type: 'integer' },
  },
} as const;

/** `GET /v1/dashboard/devices` */
export const devicesResponse = {
  type: 'object',
  additionalProperties: false,
  required: ['devices'],
  properties: {
    devices: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['deviceId', 'protectionLevel', 'enrolledAt', 'risk', 'cards'],
        properties: {
          deviceId: { type: 'string' },
          protectionLevel: { type: 'string' },
          enrolledAt: { type: 'integer' },
          risk: riskViewSchema,
          cards: { type: 'array', items: { type: 'string' } },
        },
      },
    },
  },
} as const;

/** `GET /v1/dashboard/threats` */
export const threatsResponse = {
  type: 'object',
  additionalProperties: false,
  required: ['threats'],
  properties: {
    threats: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: [...activeThreatSchema.required, 'id', 'deviceId', 'seq', 'evidence', 'receivedAt'],
        properties: {
          ...activeThreatSchema.properties,
          id: { type: 'integer' },
          deviceId: { type: 'string' },
          seq: { type: 'integer' },
          evidence: evidenceSchema,
          receivedAt: { type: 'integer' },
        },
      },
    },
  },
} as const;

/** The querystring schema of `GET /v1/dashboard/threats/timeline`. */
export const timelineQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    minutes: { type: 'string', pattern: '^[0-9]{1,4}$' },
    buckets: { type: 'string', pattern: '^[0-9]{1,3}$' },
  },
} as const;

/** `GET /v1/dashboard/threats/timeline` */
export const timelineResponse = {
  type: 'object',
  additionalProperties: false,
  required: ['from', 'to', 'bucketMs', 'buckets', 'series'],
  properties: {
    from: { type: 'integer' },
    to: { type: 'integer' },
    bucketMs: { type: 'integer' },
    buckets: { type: 'integer' },
    series: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['class', 'counts'],
        properties: {
          class: { type: 'string' },
          counts: { type: 'array', items: { type: 'integer' } },
        },
      },
    },
  },
} as const;

/** `GET /v1/dashboard/authorizations` */
export const authorizationsResponse = {
  type: 'object',
  additionalProperties: false,
  required: ['authorizations', 'declineReasons'],
  properties: {
    authorizations: { type: 'array', items: authorizationSchema },
    declineReasons: reasonCountsSchema,
  },
} as const;

/** The querystring schema of `GET /v1/dashboard/decisions`. */
export const decisionsQuery = limitQuery({
  context: { type: 'string', enum: [...RISK_CONTEXTS] },
  authorizationId: { type: 'string', pattern: idPattern },
  deviceId: { type: 'string', pattern: deviceIdPattern },
  cardId: { type: 'string', pattern: idPattern },
});

/** `GET /v1/dashboard/decisions` */
export const decisionsResponse = {
  type: 'object',
  additionalProperties: false,
  required: ['decisions'],
  properties: { decisions: { type: 'array', items: decisionSchema } },
} as const;

/** `GET /v1/dashboard/cards` */
export const cardsResponse = {
  type: 'object',
  additionalProperties: false,
  required: ['cards'],
  properties: {
    cards: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: [
          'cardId',
          'tokenPanLast4',
          'profile',
          'cardType',
          'status',
          'deviceId',
          'credentialsLeft',
          'replenishments',
          'luk',
          'suks',
        ],
        properties: {
          cardId: { type: 'string' },
          tokenPanLast4: { type: 'string' },
          profile: { type: 'string', enum: ['V', 'M'] },
          cardType: { type: 'string', enum: ['cloud', 'plain'] },
          status: { type: 'string' },
          deviceId: { type: ['string', 'null'] },
          credentialsLeft: { type: ['integer', 'null'] },
          replenishments: { type: 'integer' },
          luk: {
            type: ['object', 'null'],
            additionalProperties: false,
            required: ['api', 'usedCount', 'maxTransactions', 'usedAmount', 'maxAmount', 'notAfter'],
            properties: {
              api: { type: 'string' },
              usedCount: { type: 'integer' },
              maxTransactions: { type: 'integer' },
              usedAmount: { type: 'integer' },
              maxAmount: { type: 'integer' },
              notAfter: { type: 'integer' },
            },
          },
          suks: {
            type: 'object',
            additionalProperties: false,
            required: ['unused', 'used', 'discarded'],
            properties: {
              unused: { type: 'integer' },
              used: { type: 'integer' },
              discarded: { type: 'integer' },
            },
          },
        },
      },
    },
  },
} as const;
