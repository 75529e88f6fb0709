/**
 * Authorizations as the server records them (docs/design.md "Tokenization and authorization";
 * docs/server-api.md "Authorization"): the decision and its answer, the ATC ledger, the plan
 * that writes one decision atomically with its guards, the result of that write, and the summary
 * the fraud rules and the dashboard read. Times are epoch milliseconds.
 */
import type { Decision } from '@openvse/protocol';
import type { CardRow, LukRow, SukRow } from './cards.js';
import type { DeviceRow } from './devices.js';
import type { RiskDecisionRow } from './risk-decisions.js';
import type { DeviceRiskRow, ThreatRow } from './threats.js';

/** One authorization decision and the exact answer given (table `authorizations`). */
export interface AuthorizationRow {
  id: string;
  idempotencyKey: string;
  requestHash: string;
  cardId: string | null;
  atc: number | null;
  amount: number;
  currency: string;
  cryptogram: string | null;
  decision: Decision;
  reason: string;
  arpc: string | null;
  /** The exact JSON answered, so a retry gets the same body. */
  responseJson: string;
  createdAt: number;
  /** The merchant and terminal the acquirer named in the request (migration 7), if any. */
  merchantId?: string | null;
  terminalId?: string | null;
  /** The device the card was bound to when it was authorized (migration 7), if any. */
  deviceId?: string | null;
}

/** An ATC the issuer accepted a valid cryptogram for (table `atc_ledger`). */
export interface LedgerRow {
  cardId: string;
  atc: number;
  api: string | null;
  un: string;
  amount: number;
  authorizationId: string;
  decision: Decision;
  createdAt: number;
}

/** Everything written for one authorization decision, in one transaction. */
export interface AuthorizationPlan {
  authorization: AuthorizationRow;
  /** The ATC ledger row: present when the cryptogram was valid (the ATC is spent). */
  ledger?: LedgerRow;
  /** Profile M: the SUK of this ATC goes UNUSED → USED (fails when not UNUSED). */
  consumeSuk?: { cardId: string; atc: number };
  /** Profile V: count this transaction against the LUK (fails when a threshold is reached). */
  consumeLuk?: { cardId: string; api: string; amount: number; countAmount: boolean };
  /** The mobile PIN the tap carried: a wrong one counts a try, a verified one resets the count. */
  mobilePin?: { cardId: string; outcome: 'wrong' | 'verified' };
  /** The fraud engine's decision on this authorization, stored in the same transaction. */
  riskDecision?: RiskDecisionRow;
}

/** What {@link AuthorizationPlan} writing gave: stored, or which guard refused it. */
export type CommitResult =
  | { kind: 'stored' }
  /** Another authorization already holds this idempotency key. */
  | { kind: 'idempotent'; existing: AuthorizationRow }
  /** UNIQUE(card, atc): this ATC was already accepted. */
  | { kind: 'atc-replay' }
  /** The SUK for the ATC is not UNUSED (or was never issued). */
  | { kind: 'suk-unavailable' }
  /** The LUK is retired or a count/amount threshold is reached. */
  | { kind: 'luk-threshold' };

/** What the fraud rules read about a card's (or a device's) recent authorizations. */
export interface AuthorizationSummary {
  id: string;
  cardId: string | null;
  atc: number | null;
  amount: number;
  currency: string;
  decision: Decision;
  reason: string;
  createdAt: number;
}

/** What the fraud engine reads for one authorization (fraud/engine.ts). */
export interface AuthorizationRiskQuery {
  /** The card's authorizations from this time on, newest first, at most `historyLimit`. */
  historySince: number;
  historyLimit: number;
  /** The device's threats received from this time on, newest first, at most `threatsLimit`. */
  threatsSince: number;
  threatsLimit: number;
}

/**
 * Everything an authorization reads, asked in one go (docs/scaling.md "One authorization, two
 * round trips"): on PostgreSQL one statement, on SQLite a few in-process reads.
 */
export interface AuthorizationFactsQuery {
  idempotencyKey: string;
  cardId: string;
  /** The tap's ATC (-1 when the chip data could not be read). */
  atc: number;
  /** Profile V: the API of the LUK the IAD names. */
  api?: string;
  /** The fraud engine's facts too, when it is in the path. */
  risk?: AuthorizationRiskQuery;
}

/** The fraud engine's facts about an authorization's card and device. */
export interface AuthorizationRiskFacts {
  /** The device the card is bound to. */
  device?: DeviceRow;
  deviceRisk?: DeviceRiskRow;
  /** The device's recent threats, newest first. */
  recentThreats: ThreatRow[];
  /** The card's recent authorizations, newest first. */
  history: AuthorizationSummary[];
  /** The highest stored reaction policy version (0: none stored, the built-in default). */
  policyVersion: number;
}

/** The answer to {@link AuthorizationFactsQuery}, read at one moment. */
export interface AuthorizationFacts {
  /**
   * An authorization already stored under the idempotency key. When present it is the answer,
   * and the other facts are not used (an adapter may leave them out).
   */
  existing?: AuthorizationRow;
  card?: CardRow;
  highestAtc?: number;
  /** (card, atc) is in the ATC ledger. */
  atcSeen: boolean;
  suk?: SukRow;
  luk?: LukRow;
  risk?: AuthorizationRiskFacts;
}
