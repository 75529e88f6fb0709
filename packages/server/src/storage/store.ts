/**
 * The storage port of the CBP server (docs/design.md "Storage and scale": one interface, two
 * adapters, SQLite and PostgreSQL, passing the same test suite). Operations are domain
 * operations, not SQL: each adapter implements them with the constraints of migrations.ts as the
 * guards (UNIQUE(card, atc) in the ATC ledger, UNIQUE idempotency key, per-device sequence
 * allocated in the database, conditional updates for single-use nonces, SUKs, LUK thresholds and
 * the monotonic state counter). The records it reads and writes are defined in src/domain/.
 *
 * Times are milliseconds since the epoch. Secret columns hold AES-256-GCM envelopes
 * (keys/envelope.ts), never plaintext.
 */
import type { CardStatus, MessageType } from '@openvse/protocol';
import type {
  AuthorizationFacts,
  AuthorizationFactsQuery,
  AuthorizationPlan,
  AuthorizationRow,
  AuthorizationSummary,
  CommitResult,
  LedgerRow,
} from '../domain/authorizations.js';
import type { CardInventory, CardRow, IssuancePlan, LukRow, SukRow } from '../domain/cards.js';
import type { DeviceRow, OutboxRow } from '../domain/devices.js';
import type { KeyRow } from '../domain/keys.js';
import type { RiskContextType, RiskDecisionRow } from '../domain/risk-decisions.js';
import type { DeviceRiskRow, PolicyRow, ThreatReportPlan, ThreatRow } from '../domain/threats.js';
import type {
  AuthorizationSearch,
  DashboardAuthorizationRow,
  FindingSearch,
  InventorySearch,
  ThreatFinding,
} from './dashboard-queries.js';
import type { OperatorStore } from './operator-store.js';

/** Every table of the schema (row counts in tests and operations). */
export const STORE_TABLES = [
  'schema_migrations',
  'issuer_keys',
  'cards',
  'devices',
  'nonces',
  'luks',
  'suks',
  'outbox',
  'authorizations',
  'atc_ledger',
  'device_risk',
  'threat_reports',
  'threats',
  'reaction_policies',
  'risk_decisions',
  'operator_sessions',
  'policy_changes',
  'audit_log',
] as const;
/** One of {@link STORE_TABLES}. */
export type StoreTable = (typeof STORE_TABLES)[number];

/** The persistence port: what the server asks of a database, in domain terms. */
export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  /** Applies pending migrations; returns how many were applied. Idempotent. */
  migrate(): Promise<number>;
  schemaVersion(): Promise<number>;
  close(): Promise<void>;
  countRows(table: StoreTable): Promise<number>;
  /** Operator sessions, pending policy changes, the audit log (storage/operator-store.ts). */
  readonly operators: OperatorStore;

  // --- keys ---------------------------------------------------------------------------------
  /** Inserts a key version; false if (name, version) exists. */
  insertKey(row: KeyRow): Promise<boolean>;
  /** The latest version of a key. */
  getKey(name: string): Promise<KeyRow | undefined>;

  // --- cards --------------------------------------------------------------------------------
  /** Inserts a card; false if its cardId or token PAN is taken. */
  insertCard(row: CardRow): Promise<boolean>;
  getCard(cardId: string): Promise<CardRow | undefined>;
  getCardByTokenPan(tokenPan: string): Promise<CardRow | undefined>;
  getCardsByFundingHash(hash: string): Promise<CardRow[]>;
  /** Sets the status unless the card is DELETED; returns the updated row or undefined. */
  setCardStatus(cardId: string, status: CardStatus, now: number): Promise<CardRow | undefined>;
  /** Binds a card to a device (only if unbound or bound to the same device). */
  bindCardDevice(cardId: string, deviceId: string, now: number): Promise<boolean>;
  /** Reserves `n` consecutive ATCs for profile M; returns the first. */
  allocateAtcs(cardId: string, n: number): Promise<number>;

  // --- devices ------------------------------------------------------------------------------
  insertDevice(row: DeviceRow): Promise<boolean>;
  getDevice(deviceId: string): Promise<DeviceRow | undefined>;
  /** Replaces the TA keys and level at re-enrollment (same platform key). */
  updateDeviceEnrollment(row: DeviceRow): Promise<void>;
  /**
   * The issuer's device reset (devices/reset.ts), in one transaction: the device's cards are
   * unbound (their live LUKs retired, unused SUKs discarded: the keys died with the old install)
   * and a new platform key may be pinned at enrollment until `until`. The number of cards
   * unbound; undefined for an unknown device.
   */
  resetDevice(deviceId: string, until: number, now: number): Promise<number | undefined>;
  /** Pins a reset device to a new platform key and TA keys, once, before its window ends. */
  repinDevice(row: DeviceRow, now: number): Promise<boolean>;
  /** Sets the state counter only if it does not go backwards; false otherwise. */
  advanceStateCounter(deviceId: string, counter20: string): Promise<boolean>;
  /** Allocates the next message sequence number of the device (strictly increasing). */
  allocateSeq(deviceId: string): Promise<number>;

  // --- nonces -------------------------------------------------------------------------------
  /** Inserts a single-use value; false if it already exists (used for statement replay too). */
  insertNonce(nonce: string, kind: string, now: number, expiresAt: number): Promise<boolean>;
  /** Marks an unexpired, unused nonce of `kind` used; false if that is not possible. */
  consumeNonce(nonce: string, kind: string, now: number): Promise<boolean>;
  /** Deletes nonces expired before `now`; returns how many. */
  purgeNonces(now: number): Promise<number>;

  // --- credentials --------------------------------------------------------------------------
  insertLuk(row: LukRow): Promise<boolean>;
  getLuk(cardId: string, api: string): Promise<LukRow | undefined>;
  listLuks(cardId: string): Promise<LukRow[]>;
  /** Retires every active LUK of the card (but `keepApi`); returns how many. */
  retireLuks(cardId: string, now: number, keepApi?: string): Promise<number>;
  insertSuks(rows: SukRow[]): Promise<void>;
  getSuk(cardId: string, atc: number): Promise<SukRow | undefined>;
  listSuks(cardId: string): Promise<SukRow[]>;
  /** UNUSED → DISCARDED for these ATCs (or all of the card's when `atcs` is undefined). */
  discardSuks(cardId: string, atcs?: number[]): Promise<number>;
  /**
   * Writes an issuance in one transaction (conditional updates as the guards, so that it holds
   * across server instances); false, and nothing written, when a guard refuses it.
   */
  issueCredentials(plan: IssuancePlan): Promise<boolean>;

  // --- outbox -------------------------------------------------------------------------------
  insertMessage(row: OutboxRow): Promise<void>;
  listMessages(deviceId: string, afterSeq: number, limit: number): Promise<OutboxRow[]>;
  /** The newest message of type `typ` queued for the card on the device. */
  lastCardMessage(deviceId: string, cardId: string, typ: MessageType): Promise<OutboxRow | undefined>;

  // --- authorizations -----------------------------------------------------------------------
  /** Everything one authorization reads (PostgreSQL: one statement, one round trip). */
  authorizationFacts(q: AuthorizationFactsQuery): Promise<AuthorizationFacts>;
  getAuthorizationByKey(idempotencyKey: string): Promise<AuthorizationRow | undefined>;
  highestAtc(cardId: string): Promise<number | undefined>;
  /** True when (card, atc) is in the ATC ledger. */
  ledgerHas(cardId: string, atc: number): Promise<boolean>;
  ledgerFor(cardId: string, api: string): Promise<LedgerRow[]>;
  /** Writes the plan atomically; any guard that fails rolls everything back. */
  commitAuthorization(plan: AuthorizationPlan): Promise<CommitResult>;

  // --- threat intelligence (docs/fraud-engine.md) ---------------------------------------------
  listDevices(limit: number): Promise<DeviceRow[]>;
  getDeviceRisk(deviceId: string): Promise<DeviceRiskRow | undefined>;
  listDeviceRisk(): Promise<DeviceRiskRow[]>;
  /**
   * Stores an accepted report atomically: advances the device's last report seq only if the
   * report's seq is above it (else `replay` and nothing is written), adds the seq gap, records
   * the report and its threats and (for a scan) replaces the active threats.
   */
  recordThreatReport(plan: ThreatReportPlan): Promise<'stored' | 'replay'>;
  /**
   * Stores reports taken from the report stream (stream/report-consumer.ts) in one transaction,
   * idempotent by (device, seq) and in any order: a report already stored is `replay` (nothing
   * written for it), an older seq that arrives late is stored and closes its gap (the device's
   * gap count is its highest seq minus the reports stored), and only a scan newer than every
   * stored report replaces the active threats. The ingesting instance already refused a seq at
   * or below the stored one when it received the report (threats/ingest.ts). One answer per plan.
   */
  recordStreamedReports(plans: ThreatReportPlan[]): Promise<('stored' | 'replay')[]>;
  /** Threats received at or after `since`, newest first. */
  listThreats(opts: { since?: number; deviceId?: string; limit: number }): Promise<ThreatRow[]>;
  insertPolicy(row: PolicyRow): Promise<boolean>;
  /** The current (highest version) reaction policy. */
  getPolicy(): Promise<PolicyRow | undefined>;

  // --- fraud decisions ------------------------------------------------------------------------
  insertRiskDecision(row: RiskDecisionRow): Promise<void>;
  listRiskDecisions(opts: {
    limit: number;
    context?: RiskContextType;
    deviceId?: string;
    cardId?: string;
    authorizationId?: string;
  }): Promise<RiskDecisionRow[]>;
  /** Decisions of a context for a device or a card since a time (velocity of attempts). */
  countRiskDecisions(opts: {
    context: RiskContextType;
    deviceId?: string;
    cardId?: string;
    since: number;
  }): Promise<number>;
  /** A card's authorizations since a time, newest first. */
  authorizationsForCard(cardId: string, since: number, limit: number): Promise<AuthorizationSummary[]>;
  /** Authorizations of every card bound to a device since a time, newest first. */
  authorizationsForDevice(deviceId: string, since: number, limit: number): Promise<AuthorizationSummary[]>;
  recentAuthorizations(limit: number): Promise<AuthorizationSummary[]>;
  /** Decline reasons and their counts since a time. */
  declineReasons(since: number): Promise<{ reason: string; count: number }[]>;
  /** Approvals and declines since a time. */
  authorizationCounts(since: number): Promise<{ approved: number; declined: number }>;
  listCards(limit: number): Promise<CardRow[]>;
  cardInventory(cardId: string): Promise<CardInventory | undefined>;

  // --- the dashboard's searches (storage/dashboard-queries.ts; docs/dashboard.md) ---------------
  /** Authorizations matching the search, newest first, with their card's PAN and fraud decision. */
  dashboardAuthorizations(f: AuthorizationSearch): Promise<DashboardAuthorizationRow[]>;
  /** The decline reasons of the declines matching the search, and their counts. */
  dashboardDeclineReasons(f: AuthorizationSearch): Promise<{ reason: string; count: number }[]>;
  /** Threats grouped by device and code (count, first and last seen), the latest first. */
  threatFindings(f: FindingSearch): Promise<ThreatFinding[]>;
  /** Devices by id or free text, newest enrollment first. */
  searchDevices(f: InventorySearch): Promise<DeviceRow[]>;
  /** Cards by device, id or free text, newest first. */
  searchCards(f: InventorySearch): Promise<CardRow[]>;
}
