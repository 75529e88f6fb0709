/**
 * JSON schemas of the threat-intelligence routes (docs/cbp-protocol.md §6; docs/fraud-engine.md),
 * closed objects like every route. The severity and reaction enums are @openvse/protocol's lists,
 * so the routes accept exactly what the policy evaluator knows.
 */
import { REACTIONS, SEVERITIES } from '@openvse/protocol';

/** The four severities, lowest first (a copy: schemas must not share protocol's arrays). */
export const severityEnum = [...SEVERITIES];
/** The reactions, mildest first. */
export const reactionEnum = [...REACTIONS];

/** @openvse/protocol ActiveThreat. */
export const activeThreatSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['class', 'code', 'severity', 'reaction', 'detectedAt'],
  properties: {
    class: { type: 'string' },
    code: { type: 'string' },
    severity: { type: 'string', enum: severityEnum },
    reaction: { type: 'string', enum: reactionEnum },
    detectedAt: { type: 'string' },
  },
} as const;

/** @openvse/protocol RiskView. */
export const riskViewSchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'deviceId',
    'state',
    'silent',
    'activeThreats',
    'lastReportSeq',
    'lastReportAt',
    'lastHeartbeatAt',
    'lastSeenAt',
    'seqGaps',
    'reports',
  ],
  properties: {
    deviceId: { type: 'string' },
    state: { type: 'string', enum: ['clean', 'suspicious', 'compromised'] },
    silent: { type: 'boolean' },
    activeThreats: { type: 'array', items: activeThreatSchema },
    lastReportSeq: { type: 'integer' },
    lastReportAt: { type: ['integer', 'null'] },
    lastHeartbeatAt: { type: ['integer', 'null'] },
    lastSeenAt: { type: ['integer', 'null'] },
    seqGaps: { type: 'integer' },
    reports: { type: 'integer' },
  },
} as const;

/** @openvse/protocol ReactionRule. */
export const reactionRuleSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['code', 'reaction'],
  properties: {
    code: { type: 'string', pattern: '^(\\*|[A-Z][A-Z0-9_]{0,63})$' },
    minSeverity: { type: 'string', enum: severityEnum },
    reaction: { type: 'string', enum: reactionEnum },
  },
} as const;

/** @openvse/protocol ReactionPolicy (`GET /v1/policy`). */
export const policySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['version', 'heartbeatSeconds', 'rules'],
  properties: {
    version: { type: 'integer' },
    heartbeatSeconds: { type: 'integer' },
    rules: { type: 'array', items: reactionRuleSchema },
  },
} as const;

/** @openvse/protocol DeviceReportRequest. */
export const reportBody = {
  type: 'object',
  additionalProperties: false,
  required: ['report'],
  properties: {
    report: {
      type: 'string',
      minLength: 1,
      maxLength: 60000,
      description: 'compact JWS signed by the V-OS platform key (typ openvse-threat+jwt)',
    },
  },
} as const;

/** @openvse/protocol ThreatReportResult. */
export const reportResultSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['deviceId', 'seq', 'typ', 'gap', 'risk', 'policyMessageSeq'],
  properties: {
    deviceId: { type: 'string' },
    seq: { type: 'integer' },
    typ: { type: 'string', enum: ['threat-report', 'heartbeat'] },
    gap: { type: 'integer' },
    risk: riskViewSchema,
    policyMessageSeq: { type: ['integer', 'null'] },
  },
} as const;

/** `POST /v1/policy` body (threats/policy.ts PolicyUpdateRequest). */
export const policyUpdateBody = {
  type: 'object',
  additionalProperties: false,
  required: ['policy'],
  properties: {
    policy: {
      type: 'object',
      additionalProperties: false,
      required: ['rules'],
      properties: {
        heartbeatSeconds: { type: 'integer', minimum: 10, maximum: 86400 },
        rules: { type: 'array', minItems: 1, maxItems: 256, items: reactionRuleSchema },
      },
    },
  },
} as const;

/** `POST /v1/policy` answer: the new version and how many devices it was queued to. */
export const policyChangeSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['policy', 'queued'],
  properties: { policy: policySchema, queued: { type: 'integer' } },
} as const;
