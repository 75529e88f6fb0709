/**
 * The hook where the fraud engine plugs into authorization (docs/design.md "V-Guard and the
 * fraud engine": every authorization is scored and the decision recorded with its reasons). The
 * server calls `assess` only for a transaction whose cryptogram, ATC and credentials passed;
 * a DECLINE here is stored with its reasons like any other decision. An engine that names the
 * facts it reads (`factsQuery`) gets them prefetched with the authorization's own, and returns
 * the decision it wants stored (`record`) instead of writing it. Default: approve.
 */
import type { CardProfileKind, CardType } from '@openvse/protocol';
import type { AuthorizationRiskFacts, AuthorizationRiskQuery } from '../domain/authorizations.js';
import type { RiskDecisionRow } from '../domain/risk-decisions.js';

/** What the risk engine is told about an authorization whose cryptogram, ATC and credentials passed. */
export interface RiskContext {
  authorizationId: string;
  cardId: string;
  profile: CardProfileKind;
  cardType: CardType;
  deviceId: string | null;
  /** CVN profile id used to verify the cryptogram (e.g. 'openvse-v'). */
  cvnProfile: string;
  atc: number;
  /** Highest ATC accepted before this one, if any. */
  highestAtc: number | undefined;
  amount: number;
  currency: string;
  /** Profile V: the LUK's API and its usage before this transaction. */
  luk?: { api: string; usedCount: number; usedAmount: number; maxTransactions: number; maxAmount: number };
  now: number;
  /** What the engine asked for with `factsQuery`, read with the authorization's other facts. */
  facts?: AuthorizationRiskFacts;
}

/** The risk engine's answer. */
export interface RiskAssessment {
  decision: 'APPROVE' | 'DECLINE';
  /** Stable reason codes (e.g. 'RISK_VELOCITY'); the first is the decline reason. */
  reasons: string[];
  /** The decision to store with the authorization, in the same transaction. */
  record?: RiskDecisionRow;
}

/** Scores an authorization (ServerConfig.riskEngine; the fraud engine is one). */
export interface RiskEngine {
  assess(context: RiskContext): RiskAssessment | Promise<RiskAssessment>;
  /** The facts to read for `assess` with the authorization's own (one round trip). */
  factsQuery?(now: number): AuthorizationRiskQuery;
}

/** The risk engine of a server without a fraud engine: approves everything. */
export const approveAllRiskEngine: RiskEngine = Object.freeze({
  assess: (): RiskAssessment => ({ decision: 'APPROVE', reasons: [] }),
});
