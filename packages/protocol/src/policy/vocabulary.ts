/**
 * The V-Guard reaction policy's vocabulary (docs/cbp-protocol.md §6, docs/fraud-engine.md
 * "Reaction policy"): an ordered list of rules `{ code | '*', minSeverity?, reaction }`; for each
 * threat the first matching rule decides (evaluate.ts). The server keeps and signs it; the TA
 * applies it to the threat flags V-OS holds.
 */
import type { Severity } from '../threats/threat.js';

/** What a matching rule does, mildest first. */
export const REACTIONS = ['report', 'block_payments', 'wipe_keys', 'stop_app'] as const;
/** One of {@link REACTIONS}. */
export type Reaction = (typeof REACTIONS)[number];

/** True for one of the {@link REACTIONS}. */
export function isReaction(v: unknown): v is Reaction {
  return REACTIONS.includes(v as Reaction);
}

/** True when the reaction keeps the device from paying (every reaction but `report`). */
export function isBlockingReaction(r: Reaction): boolean {
  return r !== 'report';
}

/** One rule: a threat code or '*' for any, an optional severity floor, and the reaction. */
export interface ReactionRule {
  code: string;
  minSeverity?: Severity;
  reaction: Reaction;
}

/** The policy as the server stores and serves it (`GET /v1/policy`). */
export interface ReactionPolicy {
  /** 0 = the server's built-in default. */
  version: number;
  /** How often a device sends a heartbeat when it has nothing to report. */
  heartbeatSeconds: number;
  rules: ReactionRule[];
}

/** The `policy` member of a `policy` message, as the TA keeps it. */
export interface PolicyWire {
  /** The server's own verdict: block every payment (reason 7) while true. */
  blockPayments: boolean;
  rules: ReactionRule[];
  version?: string | number;
  heartbeatSeconds?: number;
}

/** `policy` message body. */
export interface PolicyBody {
  policy: PolicyWire;
}
