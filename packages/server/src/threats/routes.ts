/**
 * Threat-intelligence routes (docs/cbp-protocol.md §6; docs/fraud-engine.md): threat reports
 * and heartbeats signed by the V-OS platform key, a device's risk state, and the reaction policy
 * (reading it, and setting a new version, which is queued as a `policy` message to every
 * enrolled device).
 */
import type { FastifyInstance } from 'fastify';
import { requireDevice } from '../devices/enrollment.js';
import { deviceIdPattern, errorResponses } from '../http/schemas.js';
import { ingestThreatReport } from './ingest.js';
import { currentPolicy, queuePolicy, type ReactionRule, setPolicy } from './policy.js';
import { policySchema, reactionRuleSchema, reportBody, riskViewSchema } from './schemas.js';
import { riskView } from './state.js';

const deviceParams = {
  type: 'object',
  additionalProperties: false,
  required: ['deviceId'],
  properties: { deviceId: { type: 'string', pattern: deviceIdPattern } },
} as const;

const ingestResponse = {
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

export async function threatRoutes(app: FastifyInstance): Promise<void> {
  const s = app.services;

  app.post(
    '/v1/devices/:deviceId/threats',
    {
      schema: {
        tags: ['threats'],
        summary: 'A V-Guard threat report or heartbeat signed by the V-OS platform key',
        params: deviceParams,
        body: reportBody,
        response: { 200: ingestResponse, ...errorResponses },
      },
    },
    async (req) =>
      ingestThreatReport(
        s,
        (req.params as { deviceId: string }).deviceId,
        (req.body as { report: string }).report,
      ),
  );

  app.post(
    '/v1/devices/:deviceId/heartbeat',
    {
      schema: {
        tags: ['threats'],
        summary: 'A heartbeat (typ heartbeat) signed by the V-OS platform key',
        params: deviceParams,
        body: reportBody,
        response: { 200: ingestResponse, ...errorResponses },
      },
    },
    async (req) =>
      ingestThreatReport(
        s,
        (req.params as { deviceId: string }).deviceId,
        (req.body as { report: string }).report,
        'heartbeat',
      ),
  );

  app.get(
    '/v1/devices/:deviceId/risk',
    {
      schema: {
        tags: ['threats'],
        summary: "The device's risk state: clean / suspicious / compromised, active threats, silence",
        params: deviceParams,
        response: { 200: riskViewSchema, ...errorResponses },
      },
    },
    async (req) => {
      const { deviceId } = req.params as { deviceId: string };
      await requireDevice(s, deviceId);
      return riskView(
        deviceId,
        await s.store.getDeviceRisk(deviceId),
        await currentPolicy(s.store),
        s.clock.now(),
      );
    },
  );

  app.get(
    '/v1/policy',
    {
      schema: {
        tags: ['threats'],
        summary: 'The current V-Guard reaction policy (version 0 = built-in default)',
        response: { 200: policySchema, ...errorResponses },
      },
    },
    async () => currentPolicy(s.store),
  );

  app.post(
    '/v1/policy',
    {
      schema: {
        tags: ['threats'],
        summary: 'Set a new reaction policy version; queued as a policy message to every device',
        body: {
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
        },
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['policy', 'queued'],
            properties: { policy: policySchema, queued: { type: 'integer' } },
          },
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const body = (req.body as { policy: { heartbeatSeconds?: number; rules: ReactionRule[] } }).policy;
      const policy = await setPolicy(s, body);
      const now = s.clock.now();
      let queued = 0;
      for (const device of await s.store.listDevices(100_000)) {
        const view = riskView(device.deviceId, await s.store.getDeviceRisk(device.deviceId), policy, now);
        await queuePolicy(s, device, policy, view.state === 'compromised');
        queued++;
      }
      return { policy, queued };
    },
  );
}
