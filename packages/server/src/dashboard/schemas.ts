/**
 * JSON schemas of the dashboard's read-only routes under /v1/dashboard (docs/server-api.md
 * "Dashboard"; docs/dashboard.md), closed like every route's, and the querystrings they accept
 * as types. Every query parameter is a string with a pattern or an enum (the Ajv instance does
 * not coerce), so a bad value is a 400 `ERR_VALIDATION` before the handler runs; the handler adds
 * what a schema cannot say (`from` after `to`). Free text (`q`) is printable ASCII of at most 64
 * characters with at most 11 digits: a full PAN is never a search term, so none reaches a log.
 */
import type { RiskContextType, RiskOutcome } from '../domain/risk-decisions.js';
import { deviceIdPattern, idPattern } from '../http/schemas.js';
import { activeThreatSchema, riskViewSchema } from '../threats/schemas.js';
import { DASHBOARD_DEVICE_STATES, type DashboardDeviceState } from './views.js';

/** The contexts the fraud engine is asked in (filter of the decisions route). */
const RISK_CONTEXTS: readonly RiskContextType[] = ['authorization', 'provision', 'replenish', 'enroll'];
/** The fraud engine's outcomes (filter of the decisions route). */
const RISK_OUTCOMES: readonly RiskOutcome[] = ['approve', 'step_up', 'decline'];

/** `limit`: 1 to 4 digits (the route clamps it to its own maximum). */
const limitParam = { type: 'string', pattern: '^[0-9]{1,4}$' } as const;
/** A time, epoch milliseconds. */
const timeParam = { type: 'string', pattern: '^[0-9]{1,15}$' } as const;
/** A decline reason (or APPROVED): upper-case code. */
const reasonParam = { type: 'string', pattern: '^[A-Z][A-Z0-9_]{0,63}$' } as const;
/** Free text: 1–64 printable ASCII characters, at most 11 of them digits (never a full PAN). */
export const searchPattern = '^(?!(?:[^0-9]*[0-9]){12})[ -~]{1,64}$';
const searchParam = { type: 'string', pattern: searchPattern } as const;
const deviceParam = { type: 'string', pattern: deviceIdPattern } as const;
const cardParam = { type: 'string', pattern: idPattern } as const;

/** A closed querystring of these parameters. */
const query = <P extends Record<string, unknown>>(properties: P) =>
  ({ type: 'object', additionalProperties: false, properties }) as const;

/** `?limit=` and the route's other parameters, every one a string (Ajv does not coerce). */
export const limitQuery = <P extends Record<string, unknown>>(extra: P = {} as P) =>
  query({ limit: limitParam, ...extra });

/** The querystring of the list routes. */
export interface LimitQuery {
  limit?: string;
}

/** A time range: `from` and `to`, epoch ms, both inclusive. */
export interface RangeQuery {
  from?: string;
  to?: string;
}

/** The querystring of `GET /v1/dashboard/threats/timeline`. */
export interface TimelineQuery {
  minutes?: string;
  buckets?: string;
  deviceId?: string;
}

/** The querystring of `GET /v1/dashboard/decisions`. */
export interface DecisionsQuery extends LimitQuery {
  context?: RiskContextType;
  outcome?: RiskOutcome;
  reason?: string;
  authorizationId?: string;
  deviceId?: string;
  cardId?: string;
}

/** The querystring of `GET /v1/dashboard/authorizations`. */
export interface AuthorizationsQuery extends LimitQuery, RangeQuery {
  deviceId?: string;
  cardId?: string;
  decision?: 'APPROVE' | 'DECLINE';
  reason?: string;
  q?: string;
}

/** The querystring of `GET /v1/dashboard/threats` and `GET /v1/dashboard/findings`. */
export interface ThreatsQuery extends LimitQuery, RangeQuery {
  deviceId?: string;
  q?: string;
}

/** The querystring of `GET /v1/dashboard/devices`. */
export interface DevicesQuery extends LimitQuery {
  deviceId?: string;
  state?: DashboardDeviceState;
  q?: string;
}

/** The querystring of `GET /v1/dashboard/cards`. */
export interface CardsQuery extends LimitQuery {
  deviceId?: string;
  cardId?: string;
  q?: string;
}

/** The querystring schema of `GET /v1/dashboard/authorizations`. */
export const authorizationsQuery = limitQuery({
  deviceId: deviceParam,
  cardId: cardParam,
  decision: { type: 'string', enum: ['APPROVE', 'DECLINE'] },
  reason: reasonParam,
  from: timeParam,
  to: timeParam,
  q: searchParam,
});

/** The querystring schema of `GET /v1/dashboard/threats` and `GET /v1/dashboard/findings`. */
export const threatsQuery = limitQuery({
  deviceId: deviceParam,
  from: timeParam,
  to: timeParam,
  q: searchParam,
});

/** The querystring schema of `GET /v1/dashboard/devices`. */
export const devicesQuery = limitQuery({
  deviceId: deviceParam,
  state: { type: 'string', enum: [...DASHBOARD_DEVICE_STATES] },
  q: searchParam,
});

/** The querystring schema of `GET /v1/dashboard/cards`. */
export const cardsQuery = limitQuery({ deviceId: deviceParam, cardId: cardParam, q: searchParam });

/** The querystring schema of `GET /v1/dashboard/overview` and the device detail (none). */
export const noQuery = query({});

/** One authorization in the dashboard's lists. */
const authorizationSchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'id',
    'cardId',
    'tokenPanMasked',
    'deviceId',
    'merchantId',
    'terminalId',
    'atc',
    'amount',
    'currency',
    'currencyCode',
    'amountText',
    'decision',
    'reason',
    'explanation',
    'risk',
    'createdAt',
  ],
  properties: {
    id: { type: 'string' },
    cardId: { type: ['string', 'null'] },
    tokenPanMasked: { type: ['string', 'null'], description: 'first six and last four digits' },
    deviceId: { type: ['string', 'null'] },
    merchantId: { type: ['string', 'null'] },
    terminalId: { type: ['string', 'null'] },
    atc: { type: ['integer', 'null'] },
    amount: { type: 'integer', description: 'minor units' },
    currency: { type: 'string', description: 'ISO 4217 numeric' },
    currencyCode: { type: 'string', description: 'ISO 4217 alphabetic, or the numeric code if unknown' },
    amountText: { type: 'string', description: 'e.g. "7.00 EUR"' },
    decision: { type: 'string', enum: ['APPROVE', 'DECLINE'] },
    reason: { type: 'string' },
    explanation: { type: ['string', 'null'], description: 'why it was declined; null for an approval' },
    risk: {
      type: ['object', 'null'],
      additionalProperties: false,
      required: ['score', 'outcome', 'rules'],
      properties: {
        score: { type: 'integer' },
        outcome: { type: 'string', enum: [...RISK_OUTCOMES] },
        rules: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['rule', 'weight'],
            properties: { rule: { type: 'string' }, weight: { type: 'integer' } },
          },
        },
      },
    },
    createdAt: { type: 'integer' },
  },
} as const;

/** Decline reasons, their counts and sentences. */
const reasonCountsSchema = {
  type: 'array',
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['reason', 'count', 'explanation'],
    properties: { reason: { type: 'string' }, count: { type: 'integer' }, explanation: { type: 'string' } },
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
    outcome: { type: 'string', enum: [...RISK_OUTCOMES] },
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

/** A device's state on the dashboard. */
const deviceStateSchema = { type: 'string', enum: [...DASHBOARD_DEVICE_STATES] } as const;

/** One device in the dashboard's lists. */
const deviceSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['deviceId', 'protectionLevel', 'enrolledAt', 'state', 'risk', 'cards'],
  properties: {
    deviceId: { type: 'string' },
    protectionLevel: { type: 'string' },
    enrolledAt: { type: 'integer' },
    state: deviceStateSchema,
    risk: riskViewSchema,
    cards: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['cardId', 'tokenPanMasked', 'status', 'profile'],
        properties: {
          cardId: { type: 'string' },
          tokenPanMasked: { type: 'string' },
          status: { type: 'string' },
          profile: { type: 'string', enum: ['V', 'M'] },
        },
      },
    },
  },
} as const;

/** One aggregated finding: the threats of one code from one device. */
const findingSchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'deviceId',
    'code',
    'class',
    'severity',
    'reaction',
    'count',
    'firstSeen',
    'lastSeen',
    'lastId',
    'lastSeq',
    'evidence',
  ],
  properties: {
    deviceId: { type: 'string' },
    code: { type: 'string' },
    class: { type: 'string' },
    severity: activeThreatSchema.properties.severity,
    reaction: activeThreatSchema.properties.reaction,
    count: { type: 'integer' },
    firstSeen: { type: 'integer' },
    lastSeen: { type: 'integer' },
    lastId: { type: 'integer' },
    lastSeq: { type: 'integer' },
    evidence: evidenceSchema,
  },
} as const;

/** One card's key inventory. */
const cardSchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'cardId',
    'tokenPanLast4',
    'tokenPanMasked',
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
    tokenPanMasked: { type: 'string' },
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
      required: ['total', 'clean', 'suspicious', 'compromised', 'silent', 'neverReported'],
      properties: {
        total: { type: 'integer' },
        clean: { type: 'integer' },
        suspicious: { type: 'integer' },
        compromised: { type: 'integer' },
        silent: { type: 'integer' },
        neverReported: { type: 'integer' },
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
  properties: { devices: { type: 'array', items: deviceSchema } },
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

/** `GET /v1/dashboard/findings` */
export const findingsResponse = {
  type: 'object',
  additionalProperties: false,
  required: ['findings'],
  properties: { findings: { type: 'array', items: findingSchema } },
} as const;

/** The querystring schema of `GET /v1/dashboard/threats/timeline`. */
export const timelineQuery = query({
  minutes: { type: 'string', pattern: '^[0-9]{1,5}$' },
  buckets: { type: 'string', pattern: '^[0-9]{1,3}$' },
  deviceId: deviceParam,
});

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
  outcome: { type: 'string', enum: [...RISK_OUTCOMES] },
  reason: reasonParam,
  authorizationId: cardParam,
  deviceId: deviceParam,
  cardId: cardParam,
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
  properties: { cards: { type: 'array', items: cardSchema } },
} as const;

/** `GET /v1/dashboard/devices/:deviceId`: one device, its cards, findings, authorizations, decisions. */
export const deviceDetailResponse = {
  type: 'object',
  additionalProperties: false,
  required: ['device', 'cards', 'findings', 'authorizations', 'declineReasons', 'decisions'],
  properties: {
    device: deviceSchema,
    cards: { type: 'array', items: cardSchema },
    findings: { type: 'array', items: findingSchema },
    authorizations: { type: 'array', items: authorizationSchema },
    declineReasons: reasonCountsSchema,
    decisions: { type: 'array', items: decisionSchema },
  },
} as const;
