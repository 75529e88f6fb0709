/**
 * The TA's strict parse of a `policy` message body (docs/cbp-protocol.md §6):
 * `{ policy: { version?, heartbeatSeconds?, rules?: [{ code | '*', minSeverity?, reaction }],
 * blockPayments? } }`. Anything malformed is CbpError ERR_MESSAGE_REJECTED and changes nothing.
 */
import { CbpError, CbpErrorCode } from '../ta/cbp-errors.js';
import { isSeverity } from '../threats/threat.js';
import { isReaction, type PolicyWire, type ReactionRule } from './vocabulary.js';

/** Most rules a policy may hold. */
export const MAX_POLICY_RULES = 256;

const rejected = (m: string) => new CbpError(CbpErrorCode.MESSAGE_REJECTED, m);

/** Parses the body of a `policy` message. */
export function parsePolicy(body: Record<string, unknown>): PolicyWire {
  const p = body.policy;
  if (typeof p !== 'object' || p === null || Array.isArray(p)) throw rejected('policy');
  const o = p as Record<string, unknown>;
  const block = o.blockPayments ?? false;
  if (typeof block !== 'boolean') throw rejected('policy.blockPayments');
  const rulesIn = o.rules ?? [];
  if (!Array.isArray(rulesIn) || rulesIn.length > MAX_POLICY_RULES) throw rejected('policy.rules');
  const rules = rulesIn.map((r: unknown): ReactionRule => {
    if (typeof r !== 'object' || r === null) throw rejected('policy rule');
    const x = r as Record<string, unknown>;
    if (typeof x.code !== 'string' || !/^(\*|[A-Za-z0-9_.:-]{1,64})$/.test(x.code))
      throw rejected('rule.code');
    if (!isReaction(x.reaction)) throw rejected('rule.reaction');
    if (x.minSeverity !== undefined && !isSeverity(x.minSeverity)) throw rejected('rule.minSeverity');
    return {
      code: x.code,
      reaction: x.reaction,
      ...(x.minSeverity === undefined ? {} : { minSeverity: x.minSeverity }),
    };
  });
  const out: PolicyWire = { blockPayments: block, rules };
  if (typeof o.version === 'string' || typeof o.version === 'number') out.version = o.version;
  if (typeof o.heartbeatSeconds === 'number' && Number.isInteger(o.heartbeatSeconds))
    out.heartbeatSeconds = o.heartbeatSeconds;
  return out;
}
