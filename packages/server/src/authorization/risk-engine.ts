/**
 * The hook where the fraud engine plugs into authorization (docs/design.md "V-Guard and the
 * fraud engine": every authorization is scored and the decision recorded with its reasons). The
 * server calls `assess` only for a transaction whose cryptogram, ATC and credentials passed;
 * a DECLINE here is stored with its reasons like any other decision. Default: approve.
 */
import type { CardProfile, CardType } from '../storage/store.js';

export interface RiskContext {
  authorizationId: string;
  cardId: string;
  profile: CardProfile;
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
}

export interface RiskAssessment {
  decision: 'APPROVE' | 'DECLINE';
  /** Stable reason codes (e.g. 'RISK_VELOCITY'); the first is the decline reason. */
  reasons: string[];
}

export interface RiskEngine {
  assess(context: RiskContext): RiskAssessment | Promise<RiskAssessment>;
}

export const approveAllRiskEngine: RiskEngine = Object.freeze({
  assess: (): RiskAssessment => ({ decision: 'APPROVE', reasons: [] }),
});
