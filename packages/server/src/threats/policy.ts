/**
 * The V-Guard reaction policy, the pure part (docs/cbp-protocol.md §6; docs/fraud-engine.md
 * "Reaction policy"): an ordered list of rules `{ code | '*', minSeverity?, reaction }`, first
 * match wins, default `report` (the vocabulary and the one evaluator are @openvse/protocol's).
 * Here: the server's built-in default (version 0), the check of a new policy, the next version,
 * its stored form, and the body of the `policy` message. Reading and storing versions is
 * policy-versions.ts; queueing the message to devices is policy-messages.ts.
 */
import {
  ApiErrorCode,
  isReaction,
  isSeverity,
  type PolicyBody,
  type ReactionPolicy,
  type ReactionRule,
} from '@openvse/protocol';
import type { PolicyRow } from '../domain/threats.js';
import { ServerError } from '../errors.js';

/** Threat codes that block payments whatever their severity (first match wins). */
export const DEFAULT_BLOCKING_CODES = [
  'INSPECTOR_OPEN',
  'DEBUGGER_ATTACHED',
  'LD_PRELOAD',
  'BUILTIN_REPLACED',
  'APP_FILE_MODIFIED',
] as const;

/** The policy in force while none is stored (version 0). */
export const DEFAULT_POLICY: Readonly<ReactionPolicy> = Object.freeze({
  version: 0,
  heartbeatSeconds: 60,
  rules: [
    ...DEFAULT_BLOCKING_CODES.map((code) => ({ code, reaction: 'block_payments' as const })),
    { code: '*', minSeverity: 'critical' as const, reaction: 'wipe_keys' as const },
    { code: '*', minSeverity: 'high' as const, reaction: 'block_payments' as const },
    { code: '*', reaction: 'report' as const },
  ],
});

/** `POST /v1/policy` body's `policy`: the rules of the next version, and its heartbeat if new. */
export interface PolicyUpdate {
  heartbeatSeconds?: number;
  rules: ReactionRule[];
}

/** `POST /v1/policy` body. */
export interface PolicyUpdateRequest {
  policy: PolicyUpdate;
}

/** The policy a stored version holds; the default when none is stored. */
export function policyFromRow(row: PolicyRow | undefined): ReactionPolicy {
  if (!row) return structuredClone(DEFAULT_POLICY) as ReactionPolicy;
  const p = JSON.parse(row.policy) as Omit<ReactionPolicy, 'version'>;
  return { version: row.version, heartbeatSeconds: p.heartbeatSeconds, rules: p.rules };
}

/** The row that stores `policy` (the version is its own column). */
export function policyRow(policy: ReactionPolicy, createdAt: number): PolicyRow {
  return {
    version: policy.version,
    policy: JSON.stringify({ heartbeatSeconds: policy.heartbeatSeconds, rules: policy.rules }),
    createdAt,
  };
}

/** Validates a policy update (the route schema has checked the shape already). */
export function checkPolicy(p: PolicyUpdate): void {
  if (p.rules.length === 0) throw new ServerError(ApiErrorCode.POLICY_INVALID, 'policy.rules is empty');
  for (const r of p.rules) {
    if (!isReaction(r.reaction)) throw new ServerError(ApiErrorCode.POLICY_INVALID, 'unknown reaction');
    if (r.minSeverity !== undefined && !isSeverity(r.minSeverity))
      throw new ServerError(ApiErrorCode.POLICY_INVALID, 'unknown minSeverity');
  }
}

/** The version after `current` with the update's rules (copied member by member). */
export function nextPolicy(current: ReactionPolicy, update: PolicyUpdate): ReactionPolicy {
  return {
    version: current.version + 1,
    heartbeatSeconds: update.heartbeatSeconds ?? current.heartbeatSeconds,
    rules: update.rules.map((r) => ({
      code: r.code,
      ...(r.minSeverity ? { minSeverity: r.minSeverity } : {}),
      reaction: r.reaction,
    })),
  };
}

/**
 * The body of the `policy` message. `blockPayments` is the server's own verdict (the device is
 * compromised by its last report); the TA also applies `rules` to the threat flags V-OS holds.
 */
export function policyMessageBody(policy: ReactionPolicy, blockPayments: boolean): PolicyBody {
  return {
    policy: {
      version: policy.version,
      heartbeatSeconds: policy.heartbeatSeconds,
      rules: policy.rules,
      blockPayments,
    },
  };
}
