/**
 * The one storage interface of the CBP server (DESIGN.md "Storage and scale": one interface,
 * two adapters, SQLite and PostgreSQL, passing the same test suite). Operations are domain
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
}

/** Zero-pads a decimal u64 to 20 digits (text order = numeric order). */
export function padCounter(counter: string): string {
  return counter.padStart(20, '0');
}

/** Strips the padding of {@link padCounter}. */
export function unpadCounter(counter20: string): string {
  return counter20.replace(/^0+(?=\d)/, '');
}
