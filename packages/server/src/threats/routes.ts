/**
 * Threat-intelligence routes (docs/server-api.md "Routes"; docs/cbp-protocol.md §6;
 * docs/fraud-engine.md): threat reports and heartbeats signed by the V-OS platform key, a
 * device's risk state, and the reaction policy (reading it, and setting a new version, which is
 * queued as a `policy` message to every enrolled device).
 */

import type { DeviceReportRequest, ReactionPolicy, RiskView, ThreatReportResult } from '@openvse/protocol';
import type { FastifyInstance } from 'fastify';
import { ANY_OPERATOR, Caller } from '../auth/callers.js';
import { requireDevice } from '../devices/enrollment.js';
import { type DeviceParams, deviceParams, errorResponses } from '../http/schemas.js';
import { ingestThreatReport } from './ingest.js';
import type { PolicyUpdateRequest } from './policy.js';
import { type PolicyChangeView, policyChangeViewSchema, proposePolicyChange } from './policy-approval.js';
import { queuePolicyToEveryDevice } from './policy-messages.js';
import { currentPolicy, setPolicy } from './policy-versions.js';
import {
  policyChangeSchema,
  policySchema,
  policyUpdateBody,
  reportBody,
  reportResultSchema,
  riskViewSchema,
} from './schemas.js';
import { riskView } from './state.js';

/** `POST /v1/policy` answer. */
export interface PolicyChangeResult {
  policy: ReactionPolicy;
  /** How many devices the `policy` message was queued to. */
  queued: number;
}

/** Registers the threat-intelligence routes. */
export async function threatRoutes(app: FastifyInstance): Promise<void> {
  const s = app.services;

  app.post<{ Params: DeviceParams; Body: DeviceReportRequest; Reply: ThreatReportResult }>(
    '/v1/devices/:deviceId/threats',
    {
      config: { callers: [Caller.DEVICE] },
      schema: {
        tags: ['threats'],
        summary: 'A V-Guard threat report or heartbeat signed by the V-OS platform key',
        params: deviceParams,
        body: reportBody,
        response: { 200: reportResultSchema, ...errorResponses },
      },
    },
    async (req) => ingestThreatReport(s, req.params.deviceId, req.body.report),
  );

  app.post<{ Params: DeviceParams; Body: DeviceReportRequest; Reply: ThreatReportResult }>(
    '/v1/devices/:deviceId/heartbeat',
    {
      config: { callers: [Caller.DEVICE] },
      schema: {
        tags: ['threats'],
        summary: 'A heartbeat (typ heartbeat) signed by the V-OS platform key',
        params: deviceParams,
        body: reportBody,
        response: { 200: reportResultSchema, ...errorResponses },
      },
    },
    async (req) => ingestThreatReport(s, req.params.deviceId, req.body.report, 'heartbeat'),
  );

  app.get<{ Params: DeviceParams; Reply: RiskView }>(
    '/v1/devices/:deviceId/risk',
    {
      // The device reads its own risk state (its proof names it); operators read any.
      config: { callers: [Caller.DEVICE, ...ANY_OPERATOR] },
      schema: {
        tags: ['threats'],
        summary: "The device's risk state: clean / suspicious / compromised, active threats, silence",
        params: deviceParams,
        response: { 200: riskViewSchema, ...errorResponses },
      },
    },
    async (req) => {
      const { deviceId } = req.params;
      await requireDevice(s, deviceId);
      return riskView(
        deviceId,
        await s.store.getDeviceRisk(deviceId),
        await currentPolicy(s.store),
        s.clock.now(),
      );
    },
  );

  app.get<{ Reply: ReactionPolicy }>(
    '/v1/policy',
    {
      config: { callers: [Caller.PUBLIC] },
      schema: {
        tags: ['threats'],
        summary: 'The current V-Guard reaction policy (version 0 = built-in default)',
        response: { 200: policySchema, ...errorResponses },
      },
    },
    async () => currentPolicy(s.store),
  );

  app.post<{ Body: PolicyUpdateRequest; Reply: PolicyChangeResult | PolicyChangeView }>(
    '/v1/policy',
    {
      config: { callers: [Caller.OPERATOR_SECURITY_ADMIN] },
      schema: {
        tags: ['threats'],
        summary:
          'Propose a new reaction policy version (202; a second security admin approves it, policy-approval.ts); ' +
          'in open development mode set it at once (200), queued as a policy message to every device',
        body: policyUpdateBody,
        response: { 200: policyChangeSchema, 202: policyChangeViewSchema, ...errorResponses },
      },
    },
    async (req, reply) => {
      // With authentication, four eyes: this only proposes the change.
      if (app.authConfigured)
        return reply.code(202).send(await proposePolicyChange(app, req, req.body.policy));
      req.audit = { action: 'policy.set' };
      const policy = await setPolicy(s.store, s.clock, req.body.policy);
      return { policy, queued: await queuePolicyToEveryDevice(s, policy) };
    },
  );
}
