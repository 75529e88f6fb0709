/**
 * Authorizations as the server records them (docs/design.md "Tokenization and authorization";
 * docs/server-api.md "Authorization"): the decision and its answer, the ATC ledger, the plan
 * that writes one decision atomically with its guards, the result of that write, and the summary
 * the fraud rules and the dashboard read. Times are epoch milliseconds.
 */
import type { Decision } from '@openvse/protocol';

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
