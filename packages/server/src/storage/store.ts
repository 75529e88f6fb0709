/**
 * The one storage interface of the CBP server (docs/design.md "Storage and scale": one
 * interface, two adapters, SQLite and PostgreSQL, passing the same test suite). Operations are domain
 * operations, not SQL: each adapter implements them with the constraints of
 * migrations.ts as the guards (UNIQUE(card, atc) in the ATC ledger, UNIQUE idempotency key,
 * per-device sequence allocated in the database, conditional updates for single-use nonces,
 * SUKs, LUK thresholds and the monotonic state counter).
 *
 * Times are milliseconds since the epoch. Secret columns hold AES-256-GCM envelopes
 * (keys/envelope.ts), never plaintext.
 */

export type CardProfile = 'V' | 'M';
export type CardType = 'cloud' | 'plain';
export type CardStatus = 'ACTIVE' | 'SUSPENDED' | 'DELETED';
export type SukStatus = 'UNUSED' | 'USED' | 'DISCARDED';
export type Decision = 'APPROVE' | 'DECLINE';

export interface KeyRow {
  name: string;
  version: number;
  /** 'tdes' | 'es256' */
  kind: string;
  /** Key check value (hex) for symmetric keys, JWK thumbprint for key pairs. */
  kcv: string;
  /** AES-256-GCM envelope of the secret part, AAD = name ‖ version. */
  wrapped: string;
  /** Public JWK (JSON) for key pairs. */
  publicJwk: string | null;
  createdAt: number;
}

export interface CardRow {
  cardId: string;
  tokenPan: string;
  psn: string;
  /** Envelope of the funding PAN (AAD = cardId). */
  fundingPanEnc: string;
  /** HMAC-SHA256 of the funding PAN under a KEK-derived key (lookup without decrypting). */
  fundingPanHash: string;
  expiry: string;
  profile: CardProfile;
  cardType: CardType;
  status: CardStatus;
  deviceId: string | null;
  /** Envelope of the mobile PIN (profile M), or null. */
  mobilePinEnc: string | null;
  kdi: string;
  /** Profile M: the next ATC the server will assign. */
  nextAtc: number;
  createdAt: number;
  updatedAt: number;
}

export interface DeviceRow {
  deviceId: string;
  platformJwk: string;
  platformKid: string;
  taEncJwk: string;
  taEncKid: string;
  taSigJwk: string;
  taSigKid: string;
  taCodeSha256: string;
  protectionLevel: string;
  /** Decimal u64, zero-padded to 20 digits so that text order is numeric order. */
  lastStateCounter: string;
  lastSeq: number;
  enrolledAt: number;
}

export interface LukRow {
  cardId: string;
  api: string;
  dki: string;
  maxTransactions: number;
  notAfter: number;
  maxAmount: number;
  issuedAt: number;
  retiredAt: number | null;
  usedCount: number;
  usedAmount: number;
}

export interface SukRow {
  cardId: string;
  atc: number;
  status: SukStatus;
  issuedAt: number;
}

export interface OutboxRow {
  deviceId: string;
  seq: number;
  typ: string;
  cardId: string | null;
  message: string;
  createdAt: number;
  expiresAt: number;
}

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

// --- threat intelligence and fraud (migration 2; docs/fraud-engine.md) ------------------------

export type ThreatSeverity = 'low' | 'medium' | 'high' | 'critical';
export type Reaction = 'report' | 'block_payments' | 'wipe_keys' | 'stop_app';

/** A threat as the server keeps it in a device's active set. */
export interface ActiveThreat {
  class: string;
  code: string;
  severity: ThreatSeverity;
  reaction: Reaction;
  detectedAt: string;
}

export interface DeviceRiskRow {
  deviceId: string;
  /** Highest accepted report / heartbeat seq (the replay guard). */
  lastReportSeq: number;
  lastReportAt: number | null;
  lastHeartbeatAt: number | null;
  lastSeenAt: number | null;
  /** The threats of the last accepted scan. */
  activeThreats: ActiveThreat[];
  /** Sum of the seq gaps seen (reports that never arrived). */
  seqGaps: number;
  reports: number;
  updatedAt: number;
}

export interface ThreatReportRow {
  deviceId: string;
  seq: number;
  typ: 'threat-report' | 'heartbeat';
  scanId: string | null;
  scanReason: string | null;
  clean: boolean | null;
  threatCount: number;
  gapBefore: number;
  iat: number;
  stateCounter: string | null;
  receivedAt: number;
}

export interface ThreatRow {
  /** Assigned by the database. */
  id?: number;
  deviceId: string;
  seq: number;
  class: string;
  code: string;
  severity: ThreatSeverity;
  reaction: Reaction;
  /** JSON of the evidence object (bounded). */
  evidence: string;
  detectedAt: string;
  receivedAt: number;
}

/** One accepted report: the row, its threats and the device state it leaves. */
export interface ThreatReportPlan {
  report: ThreatReportRow;
  threats: ThreatRow[];
  /** Replaces the active threats (a full scan); undefined for a heartbeat. */
  activeThreats?: ActiveThreat[];
}

export type RiskContextType = 'authorization' | 'provision' | 'replenish' | 'enroll';
export type RiskOutcome = 'approve' | 'step_up' | 'decline';

export interface FiredRule {
  rule: string;
  typology: string;
  weight: number;
  evidence: Record<string, string | number | boolean | null>;
}

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

export interface PolicyRow {
  version: number;
  /** JSON of the reaction policy. */
  policy: string;
  createdAt: number;
}

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

/** Key inventory of a card (dashboard). */
export interface CardInventory {
  card: CardRow;
  luks: LukRow[];
  suks: { unused: number; used: number; discarded: number };
  credentialMessages: number;
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
}

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
] as const;
export type StoreTable = (typeof STORE_TABLES)[number];

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  /** Applies pending migrations; returns how many were applied. Idempotent. */
  migrate(): Promise<number>;
  schemaVersion(): Promise<number>;
  close(): Promise<void>;
  countRows(table: StoreTable): Promise<number>;

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

  // --- outbox -------------------------------------------------------------------------------
  insertMessage(row: OutboxRow): Promise<void>;
  listMessages(deviceId: string, afterSeq: number, limit: number): Promise<OutboxRow[]>;

  // --- authorizations -----------------------------------------------------------------------
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
}

/** Zero-pads a decimal u64 to 20 digits (text order = numeric order). */
export function padCounter(counter: string): string {
  return counter.padStart(20, '0');
}

/** Strips the padding of {@link padCounter}. */
export function unpadCounter(counter20: string): string {
  return counter20.replace(/^0+(?=\d)/, '');
}
