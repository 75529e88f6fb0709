/**
 * The fraud engine's decisions as the server records them (docs/fraud-engine.md "Stored decisions";
 * migration 2): where it was asked, what it decided, and the rules that fired with their weights
 * and evidence, so that a stored decision explains itself. Times are epoch milliseconds.
 */
/** Where the fraud engine was asked. */
export type RiskContextType = 'authorization' | 'provision' | 'replenish' | 'enroll';

/** The fraud engine's decision. */
export type RiskOutcome = 'approve' | 'step_up' | 'decline';

/** A fraud rule that fired, with its weight and the evidence that made it fire. */
export interface FiredRule {
  rule: string;
  typology: string;
  weight: number;
  evidence: Record<string, string | number | boolean | null>;
}

/** One fraud engine decision with the rules that fired (table `risk_decisions`). */
export interface RiskDecisionRow {
  id: string;
  context: RiskContextType;
  deviceId: string | null;
  cardId: string | null;
  authorizationId: string | null;
  score: number;
  outcome: RiskOutcome;
  reason: string;
  rules: FiredRule[];
  createdAt: number;
}
