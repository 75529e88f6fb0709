/** JSON schemas of the threat-intelligence routes (closed objects, like every route). */
export const severityEnum = ['low', 'medium', 'high', 'critical'] as const;
export const reactionEnum = ['report', 'block_payments', 'wipe_keys', 'stop_app'] as const;

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
