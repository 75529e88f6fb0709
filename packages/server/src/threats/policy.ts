/**
 * The V-Guard reaction policy (docs/cbp-protocol.md §6; docs/fraud-engine.md "Reaction policy"):
 * an ordered list of rules `{ code | '*', minSeverity?, reaction }`, first match wins, default
 * `report`. The server keeps versions in `reaction_policies` (none stored = the default policy,
 * version 0) and sends the current one to a device as a signed `policy` message of the outbox
 * (the same JWS-in-JWE builder as lifecycle messages) at enrollment, when the policy changes,
 * and when the server's view of the device flips between blocked and not blocked.
 */
import { type QueuedMessage, queueMessage } from '../messages/outbox.js';
import type { Services } from '../services.js';
import type { DeviceRow, Reaction, Store, ThreatSeverity } from '../storage/store.js';
import { FraudErrorCode, fraudError } from './errors.js';

export const REACTIONS: readonly Reaction[] = ['report', 'block_payments', 'wipe_keys', 'stop_app'];
export const SEVERITIES: readonly ThreatSeverity[] = ['low', 'medium', 'high', 'critical'];
export const SEVERITY_RANK: Readonly<Record<ThreatSeverity, number>> = {
  low: 1,
  medium: 2,
  high: 3,
  critical: 4,
};

export interface ReactionRule {
  code: string;
  minSeverity?: ThreatSeverity;
  reaction: Reaction;
}

export interface ReactionPolicy {
  version: number;
  heartbeatSeconds: number;
  rules: ReactionRule[];
}

/** Threat codes that block payments whatever their severity (first match wins). */
export const DEFAULT_BLOCKING_CODES = [
  'INSPECTOR_OPEN',
  'DEBUGGER_ATTACHED',
  'LD_PRELOAD',
  'BUILTIN_REPLACED',
  'APP_FILE_MODIFIED',
] as const;

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

/** The reaction of the first rule that matches the threat (`report` when none does). */
export function reactionFor(
  policy: ReactionPolicy,
  threat: { code: string; severity: ThreatSeverity },
): Reaction {
  for (const r of policy.rules) {
    if (r.code !== '*' && r.code !== threat.code) continue;
    if (r.minSeverity && SEVERITY_RANK[threat.severity] < SEVERITY_RANK[r.minSeverity]) continue;
    return r.reaction;
  }
  return 'report';
}

/** True when the reaction keeps the device from paying (the server's view of "compromised"). */
export const isBlocking = (r: Reaction): boolean => r !== 'report';

export async function currentPolicy(store: Store): Promise<ReactionPolicy> {
  const row = await store.getPolicy();
  if (!row) return structuredClone(DEFAULT_POLICY) as ReactionPolicy;
  const p = JSON.parse(row.policy) as Omit<ReactionPolicy, 'version'>;
  return { version: row.version, heartbeatSeconds: p.heartbeatSeconds, rules: p.rules };
}

/** Validates a policy body (the route schema has checked the shape already). */
export function checkPolicy(p: { heartbeatSeconds?: number; rules: ReactionRule[] }): void {
  if (p.rules.length === 0) throw fraudError(FraudErrorCode.POLICY_INVALID, 'policy.rules is empty');
  for (const r of p.rules) {
    if (!REACTIONS.includes(r.reaction)) throw fraudError(FraudErrorCode.POLICY_INVALID, 'unknown reaction');
    if (r.minSeverity !== undefined && !SEVERITIES.includes(r.minSeverity))
      throw fraudError(FraudErrorCode.POLICY_INVALID, 'unknown minSeverity');
  }
}

/** Stores a new version; returns it. A concurrent writer of the same version makes this retry. */
export async function setPolicy(
  s: Services,
  body: { heartbeatSeconds?: number; rules: ReactionRule[] },
): Promise<ReactionPolicy> {
  checkPolicy(body);
  for (let attempt = 0; attempt < 5; attempt++) {
    const cur = await currentPolicy(s.store);
    const next: ReactionPolicy = {
      version: cur.version + 1,
      heartbeatSeconds: body.heartbeatSeconds ?? cur.heartbeatSeconds,
      rules: body.rules.map((r) => ({
        code: r.code,
        ...(r.minSeverity ? { minSeverity: r.minSeverity } : {}),
        reaction: r.reaction,
      })),
    };
    const stored = await s.store.insertPolicy({
      version: next.version,
      policy: JSON.stringify({ heartbeatSeconds: next.heartbeatSeconds, rules: next.rules }),
      createdAt: s.clock.now(),
    });
    if (stored) return next;
  }
  throw fraudError(FraudErrorCode.POLICY_INVALID, 'policy changed concurrently; retry');
}

/**
 * Queues the policy as a `policy` message to the device. `blockPayments` is the server's own
 * verdict (the device is compromised by its last report); the TA also applies `rules` to the
 * threat flags V-OS holds.
 */
export function queuePolicy(
  s: Services,
  device: DeviceRow,
  policy: ReactionPolicy,
  blockPayments: boolean,
): Promise<QueuedMessage> {
  return queueMessage(s, device, 'policy', null, {
    policy: {
      version: policy.version,
      heartbeatSeconds: policy.heartbeatSeconds,
      rules: policy.rules,
      blockPayments,
    },
  });
}
