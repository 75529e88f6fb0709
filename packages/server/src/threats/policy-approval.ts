/**
 * Four eyes on the fleet policy (docs/server-api.md "Operators"): with authentication
 * configured, `POST /v1/policy` by a security admin only proposes a change (202, stored in
 * `policy_changes`); a *different* security admin approves it with
 * `POST /v1/policy/changes/:changeId/approve`, and only then is the new version stored and
 * queued to every device (what `POST /v1/policy` does at once in open development mode, where
 * there are no identities to tell apart). The approval is one conditional update (pending,
 * unexpired, approver ≠ proposer — a CHECK constraint says so too), so two approvals cannot both
 * win, across instances; a change proposed against a policy version that is no longer current is
 * refused (409: the approver would approve something other than what was reviewed).
 */
import { randomUUID } from 'node:crypto';
import { ApiErrorCode, type ReactionPolicy } from '@openvse/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ANY_OPERATOR, Caller } from '../auth/callers.js';
import { ServerError } from '../errors.js';
import { emptyBody, errorResponses } from '../http/schemas.js';
import type { PolicyChangeRow } from '../storage/operator-store.js';
import { checkPolicy, type PolicyUpdate } from './policy.js';
import { queuePolicyToEveryDevice } from './policy-messages.js';
import { currentPolicy, setPolicy } from './policy-versions.js';
import { policySchema, policyUpdateBody } from './schemas.js';

/** A policy change as the API shows it. */
export interface PolicyChangeView {
  changeId: string;
  status: 'pending' | 'approved' | 'expired';
  baseVersion: number;
  policy: PolicyUpdate;
  proposedBy: string;
  proposedAt: number;
  expiresAt: number;
  approvedBy?: string;
  approvedAt?: number;
  version?: number;
}

export const policyChangeViewSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['changeId', 'status', 'baseVersion', 'policy', 'proposedBy', 'proposedAt', 'expiresAt'],
  properties: {
    changeId: { type: 'string' },
    status: { type: 'string', enum: ['pending', 'approved', 'expired'] },
    baseVersion: { type: 'integer' },
    policy: policyUpdateBody.properties.policy,
    proposedBy: { type: 'string' },
    proposedAt: { type: 'integer' },
    expiresAt: { type: 'integer' },
    approvedBy: { type: 'string' },
    approvedAt: { type: 'integer' },
    version: { type: 'integer' },
  },
} as const;

/** Who is acting, as the two-person rule compares them. */
export function principalOf(req: FastifyRequest): string {
  if (req.operator) return `operator:${req.operator.username}`;
  if (req.tokenCaller) return `token:${req.tokenCaller.subject}`;
  return 'anonymous';
}

function view(c: PolicyChangeRow, now: number): PolicyChangeView {
  const status = c.status === 'pending' && now >= c.expiresAt ? 'expired' : c.status;
  return {
    changeId: c.id,
    status,
    baseVersion: c.baseVersion,
    policy: JSON.parse(c.policy) as PolicyUpdate,
    proposedBy: c.proposedBy,
    proposedAt: c.proposedAt,
    expiresAt: c.expiresAt,
    ...(c.decidedBy !== null ? { approvedBy: c.decidedBy } : {}),
    ...(c.decidedAt !== null ? { approvedAt: c.decidedAt } : {}),
    ...(c.version !== null ? { version: c.version } : {}),
  };
}

/** Stores a proposed change (checked as a policy first); the caller's request is its proposer. */
export async function proposePolicyChange(
  app: FastifyInstance,
  req: FastifyRequest,
  update: PolicyUpdate,
): Promise<PolicyChangeView> {
  const s = app.services;
  checkPolicy(update);
  const now = s.clock.now();
  const row: PolicyChangeRow = {
    id: randomUUID(),
    baseVersion: (await currentPolicy(s.store)).version,
    policy: JSON.stringify(update),
    proposedBy: principalOf(req),
    proposedAt: now,
    expiresAt: now + (app.operatorAuth?.policyChangeTtlMs ?? 86_400_000),
    status: 'pending',
    decidedBy: null,
    decidedAt: null,
    version: null,
  };
  await s.store.operators.insertPolicyChange(row);
  req.audit = { target: row.id, detail: { baseVersion: row.baseVersion, rules: update.rules.length } };
  return view(row, now);
}

const changeParams = {
  type: 'object',
  additionalProperties: false,
  required: ['changeId'],
  properties: {
    changeId: { type: 'string', pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' },
  },
} as const;

/** Registers the list of changes and the approval. */
export async function policyApprovalRoutes(app: FastifyInstance): Promise<void> {
  const s = app.services;

  app.get(
    '/v1/policy/changes',
    {
      config: { callers: ANY_OPERATOR },
      schema: {
        tags: ['threats'],
        summary:
          'Fleet policy changes, newest first: pending (awaiting a second security admin) and approved',
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['changes'],
            properties: { changes: { type: 'array', items: policyChangeViewSchema } },
          },
          ...errorResponses,
        },
      },
    },
    async () => {
      const now = s.clock.now();
      return { changes: (await s.store.operators.listPolicyChanges(50)).map((c) => view(c, now)) };
    },
  );

  app.post<{ Params: { changeId: string } }>(
    '/v1/policy/changes/:changeId/approve',
    {
      config: { callers: [Caller.OPERATOR_SECURITY_ADMIN] },
      schema: {
        tags: ['threats'],
        summary:
          'A second security admin approves a proposed policy change: stored as the next version and queued to every device',
        params: changeParams,
        body: emptyBody,
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['change', 'policy', 'queued'],
            properties: { change: policyChangeViewSchema, policy: policySchema, queued: { type: 'integer' } },
          },
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const id = req.params.changeId;
      const approver = principalOf(req);
      const change = await s.store.operators.getPolicyChange(id);
      if (!change) throw new ServerError(ApiErrorCode.POLICY_CHANGE_NOT_FOUND, 'no such policy change');
      req.audit = { detail: { proposedBy: change.proposedBy } };
      if (change.proposedBy === approver)
        throw new ServerError(
          ApiErrorCode.POLICY_SELF_APPROVAL,
          'a policy change needs the approval of another security admin',
        );
      const now = s.clock.now();
      if (change.status !== 'pending' || now >= change.expiresAt)
        throw new ServerError(ApiErrorCode.POLICY_CHANGE_STATE, 'the policy change is not pending');
      if ((await currentPolicy(s.store)).version !== change.baseVersion)
        throw new ServerError(
          ApiErrorCode.POLICY_CHANGE_STATE,
          'the policy changed since this change was proposed; propose it again',
        );
      if (!(await s.store.operators.approvePolicyChange(id, approver, now)))
        throw new ServerError(ApiErrorCode.POLICY_CHANGE_STATE, 'the policy change is not pending');
      const policy: ReactionPolicy = await setPolicy(s.store, s.clock, JSON.parse(change.policy));
      await s.store.operators.setPolicyChangeVersion(id, policy.version);
      const queued = await queuePolicyToEveryDevice(s, policy);
      req.audit = { detail: { proposedBy: change.proposedBy, version: policy.version, queued } };
      const done = await s.store.operators.getPolicyChange(id);
      return { change: view(done ?? change, now), policy, queued };
    },
  );
}
