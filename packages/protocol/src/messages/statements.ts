/**
 * TA → server statements (docs/cbp-protocol.md §3): compact JWS by the TA's signing key, header
 * `typ` {@link TA_STATEMENT_TYP}, payload one of the shapes below. The TA builds them; the server
 * verifies the signature, then the claims.
 */
import type { CardProfileKind } from './card-profile.js';

/** Claims every statement carries. */
export interface StatementBase {
  deviceId: string;
  /** Epoch seconds. */
  iat: number;
  /** V-OS's monotonic state counter, decimal u64 (the server refuses one that goes back). */
  stateCounter: string;
}

/** One card in a status statement. */
export interface StatusCard {
  cardId: string;
  profile: CardProfileKind;
  state: 'ACTIVE' | 'SUSPENDED';
  atc: number;
  credentialsLeft: number;
  /** Profile V with a LUK: what is left of each threshold; null otherwise. */
  thresholdsLeft: { transactions: number; seconds: number; amount: number } | null;
  replenishDue: boolean;
}

/** `status`: the TA's view of every card, over the server's nonce (state sync). */
export interface StatusStatement extends StatementBase {
  typ: 'status';
  nonce: string;
  lastSeq: number;
  cards: StatusCard[];
}

/** One transaction under a LUK, as the TA logged it. */
export interface LukLogEntry {
  atc: number;
  /** Unpredictable number (9F37), 8 hex digits, upper case. */
  un: string;
  /** Minor units. */
  amount: number;
}

/** `replenish` for a profile V card: the outgoing LUK's use, proven by a MAC under it. */
export interface LukReplenishStatement extends StatementBase {
  typ: 'replenish';
  cardId: string;
  api: string;
  firstAtc: number;
  lastAtc: number;
  log: LukLogEntry[];
  /**
   * ATC ranges (inclusive) the TA had reserved under this LUK and lost in a crash: a cryptogram
   * it answered there, if any, has no log entry. The server accepts an ATC of its ledger inside
   * one in place of a log entry. Covered by the statement's signature, not by `mac`. Absent when
   * none (docs/cbp-protocol.md §3).
   */
  lost?: Array<{ from: number; to: number }>;
  /** MAC over {@link replenishMacData}, 16 hex digits. */
  mac: string;
}

/** What became of one SUK on the device. */
export interface SukUse {
  atc: number;
  status: 'USED' | 'DISCARDED' | 'UNUSED';
}

/** `replenish` for a profile M card: the fate of every SUK the TA knows. */
export interface SukReplenishStatement extends StatementBase {
  typ: 'replenish';
  cardId: string;
  credentials: SukUse[];
}

/** `replenish` */
export type ReplenishStatement = LukReplenishStatement | SukReplenishStatement;
