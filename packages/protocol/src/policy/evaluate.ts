/**
 * The one evaluator of the reaction policy, used by the server (the reaction of each reported
 * threat, the device's risk state) and by the TA (what the threat flags V-OS holds mean for the
 * next cryptogram): rules are tried in order and the FIRST that matches decides; no match means
 * `report`. So `INSPECTOR_OPEN → block_payments` listed before `* critical → wipe_keys` blocks
 * without wiping. A rule with `minSeverity` skips threats below it; a threat whose severity is
 * unknown is not below anything (fail closed).
 */
import { SEVERITIES, type Severity } from '../threats/threat.js';
import { isBlockingReaction, type Reaction, type ReactionRule } from './vocabulary.js';

const rank = (s: string | undefined): number => (s === undefined ? -1 : SEVERITIES.indexOf(s as Severity));

/** The reaction of the first rule that matches the threat (`report` when none does). */
export function reactionFor(
  policy: { readonly rules: readonly ReactionRule[] },
  threat: { code: string; severity?: string | undefined },
): Reaction {
  const have = rank(threat.severity);
  for (const r of policy.rules) {
    if (r.code !== '*' && r.code !== threat.code) continue;
    if (r.minSeverity !== undefined && have >= 0 && have < rank(r.minSeverity)) continue;
    return r.reaction;
  }
  return 'report';
}

/** What the policy makes of a set of threats: block payments, and/or wipe every credential. */
export interface PolicyVerdict {
  block: boolean;
  wipe: boolean;
}

/**
 * The TA's verdict for the threat flags V-OS holds (`CODE` or `CODE:severity`): the union over
 * the flags of their first-match reactions. `block_payments` and `stop_app` block; `wipe_keys`
 * wipes and blocks. `blockPayments` (the server's own verdict) blocks whatever the flags.
 */
export function policyVerdict(
  policy: { readonly blockPayments?: boolean; readonly rules: readonly ReactionRule[] } | null | undefined,
  flags: readonly string[],
): PolicyVerdict {
  let block = policy?.blockPayments === true;
  let wipe = false;
  if (!policy) return { block, wipe };
  for (const flag of flags) {
    const [code, severity] = flag.split(':', 2) as [string, string | undefined];
    const r = reactionFor(policy, { code, severity });
    if (isBlockingReaction(r)) block = true;
    if (r === 'wipe_keys') wipe = true;
  }
  return { block, wipe };
}
