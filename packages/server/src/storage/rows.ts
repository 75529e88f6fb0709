/**
 * Column ↔ field mapping of the core tables, shared by the two adapters (docs/server-api.md
 * "Storage"; the records of src/domain/, the schema of migrations.ts). PostgreSQL returns BIGINT
 * as text, so numbers are normalised here.
 */
import type { AuthorizationRow, LedgerRow } from '../domain/authorizations.js';
import type { CardRow, LukRow, SukRow } from '../domain/cards.js';
import type { DeviceRow, OutboxRow } from '../domain/devices.js';
import type { KeyRow } from '../domain/keys.js';

type Raw = Record<string, unknown>;

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));
const str = (v: unknown): string => String(v);
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** An `issuer_keys` row. */
export const keyFromRaw = (r: Raw): KeyRow => ({
  name: str(r.name),
  version: num(r.version),
  kind: str(r.kind),
  kcv: str(r.kcv),
  wrapped: str(r.wrapped),
  publicJwk: strOrNull(r.public_jwk),
  createdAt: num(r.created_at),
});

/** A `cards` row. */
export const cardFromRaw = (r: Raw): CardRow => ({
  cardId: str(r.card_id),
  tokenPan: str(r.token_pan),
  psn: str(r.psn),
  fundingPanEnc: str(r.funding_pan_enc),
  fundingPanHash: str(r.funding_pan_hash),
  expiry: str(r.expiry),
  profile: str(r.profile) as CardRow['profile'],
  cardType: str(r.card_type) as CardRow['cardType'],
  status: str(r.status) as CardRow['status'],
  deviceId: strOrNull(r.device_id),
  mobilePinEnc: strOrNull(r.mobile_pin_enc),
  mobilePinFailures: r.mobile_pin_failures === undefined ? 0 : num(r.mobile_pin_failures),
  kdi: str(r.kdi),
  nextAtc: num(r.next_atc),
  createdAt: num(r.created_at),
  updatedAt: num(r.updated_at),
});

/** A `devices` row. */
export const deviceFromRaw = (r: Raw): DeviceRow => ({
  deviceId: str(r.device_id),
  platformJwk: str(r.platform_jwk),
  platformKid: str(r.platform_kid),
  taEncJwk: str(r.ta_enc_jwk),
  taEncKid: str(r.ta_enc_kid),
  taSigJwk: str(r.ta_sig_jwk),
  taSigKid: str(r.ta_sig_kid),
  taCodeSha256: str(r.ta_code_sha256),
  protectionLevel: str(r.protection_level),
  lastStateCounter: str(r.last_state_counter),
  lastSeq: num(r.last_seq),
  enrolledAt: num(r.enrolled_at),
});

/** A `luks` row. */
export const lukFromRaw = (r: Raw): LukRow => ({
  cardId: str(r.card_id),
  api: str(r.api),
  dki: str(r.dki),
  maxTransactions: num(r.max_transactions),
  notAfter: num(r.not_after),
  maxAmount: num(r.max_amount),
  issuedAt: num(r.issued_at),
  retiredAt: numOrNull(r.retired_at),
  usedCount: num(r.used_count),
  usedAmount: num(r.used_amount),
});

/** A `suks` row. */
export const sukFromRaw = (r: Raw): SukRow => ({
  cardId: str(r.card_id),
  atc: num(r.atc),
  status: str(r.status) as SukRow['status'],
  issuedAt: num(r.issued_at),
});

/** An `outbox` row. */
export const outboxFromRaw = (r: Raw): OutboxRow => ({
  deviceId: str(r.device_id),
  seq: num(r.seq),
  typ: str(r.typ) as OutboxRow['typ'],
  cardId: strOrNull(r.card_id),
  message: str(r.message),
  createdAt: num(r.created_at),
  expiresAt: num(r.expires_at),
});

/** An `authorizations` row. */
export const authorizationFromRaw = (r: Raw): AuthorizationRow => ({
  id: str(r.id),
  idempotencyKey: str(r.idempotency_key),
  requestHash: str(r.request_hash),
  cardId: strOrNull(r.card_id),
  atc: numOrNull(r.atc),
  amount: num(r.amount),
  currency: str(r.currency),
  cryptogram: strOrNull(r.cryptogram),
  decision: str(r.decision) as AuthorizationRow['decision'],
  reason: str(r.reason),
  arpc: strOrNull(r.arpc),
  responseJson: str(r.response_json),
  createdAt: num(r.created_at),
  merchantId: strOrNull(r.merchant_id),
  terminalId: strOrNull(r.terminal_id),
  deviceId: strOrNull(r.device_id),
});

/** An `atc_ledger` row. */
export const ledgerFromRaw = (r: Raw): LedgerRow => ({
  cardId: str(r.card_id),
  atc: num(r.atc),
  api: strOrNull(r.api),
  un: str(r.un),
  amount: num(r.amount),
  authorizationId: str(r.authorization_id),
  decision: str(r.decision) as LedgerRow['decision'],
  createdAt: num(r.created_at),
});

/** Column lists in insert order, with the values of a row. */
export const CARD_COLUMNS = [
  'card_id',
  'token_pan',
  'psn',
  'funding_pan_enc',
  'funding_pan_hash',
  'expiry',
  'profile',
  'card_type',
  'status',
  'device_id',
  'mobile_pin_enc',
  'kdi',
  'next_atc',
  'created_at',
  'updated_at',
] as const;
/** The values of a card, in the order of {@link CARD_COLUMNS}. */
export const cardValues = (c: CardRow): unknown[] => [
  c.cardId,
  c.tokenPan,
  c.psn,
  c.fundingPanEnc,
  c.fundingPanHash,
  c.expiry,
  c.profile,
  c.cardType,
  c.status,
  c.deviceId,
  c.mobilePinEnc,
  c.kdi,
  c.nextAtc,
  c.createdAt,
  c.updatedAt,
];

/** The columns of `devices`, in insert order. */
export const DEVICE_COLUMNS = [
  'device_id',
  'platform_jwk',
  'platform_kid',
  'ta_enc_jwk',
  'ta_enc_kid',
  'ta_sig_jwk',
  'ta_sig_kid',
  'ta_code_sha256',
  'protection_level',
  'last_state_counter',
  'last_seq',
  'enrolled_at',
] as const;
/** The values of a device, in the order of {@link DEVICE_COLUMNS}. */
export const deviceValues = (d: DeviceRow): unknown[] => [
  d.deviceId,
  d.platformJwk,
  d.platformKid,
  d.taEncJwk,
  d.taEncKid,
  d.taSigJwk,
  d.taSigKid,
  d.taCodeSha256,
  d.protectionLevel,
  d.lastStateCounter,
  d.lastSeq,
  d.enrolledAt,
];

/** The columns of `luks`, in insert order. */
export const LUK_COLUMNS = [
  'card_id',
  'api',
  'dki',
  'max_transactions',
  'not_after',
  'max_amount',
  'issued_at',
  'retired_at',
  'used_count',
  'used_amount',
] as const;
/** The values of a LUK, in the order of {@link LUK_COLUMNS}. */
export const lukValues = (l: LukRow): unknown[] => [
  l.cardId,
  l.api,
  l.dki,
  l.maxTransactions,
  l.notAfter,
  l.maxAmount,
  l.issuedAt,
  l.retiredAt,
  l.usedCount,
  l.usedAmount,
];

/** The columns of `authorizations`, in insert order. */
export const AUTH_COLUMNS = [
  'id',
  'idempotency_key',
  'request_hash',
  'card_id',
  'atc',
  'amount',
  'currency',
  'cryptogram',
  'decision',
  'reason',
  'arpc',
  'response_json',
  'created_at',
  'merchant_id',
  'terminal_id',
  'device_id',
] as const;
/** The values of an authorization, in the order of {@link AUTH_COLUMNS}. */
export const authValues = (a: AuthorizationRow): unknown[] => [
  a.id,
  a.idempotencyKey,
  a.requestHash,
  a.cardId,
  a.atc,
  a.amount,
  a.currency,
  a.cryptogram,
  a.decision,
  a.reason,
  a.arpc,
  a.responseJson,
  a.createdAt,
  a.merchantId ?? null,
  a.terminalId ?? null,
  a.deviceId ?? null,
];

/** The columns of `atc_ledger`, in insert order. */
export const LEDGER_COLUMNS = [
  'card_id',
  'atc',
  'api',
  'un',
  'amount',
  'authorization_id',
  'decision',
  'created_at',
] as const;
/** The values of a ledger row, in the order of {@link LEDGER_COLUMNS}. */
export const ledgerValues = (l: LedgerRow): unknown[] => [
  l.cardId,
  l.atc,
  l.api,
  l.un,
  l.amount,
  l.authorizationId,
  l.decision,
  l.createdAt,
];

/** `INSERT INTO t (a, b) VALUES (?, ?)` or with `$1, $2` placeholders. */
export function insertSql(table: string, columns: readonly string[], dialect: 'sqlite' | 'postgres'): string {
  const ph = columns.map((_, i) => (dialect === 'postgres' ? `$${i + 1}` : '?')).join(', ');
  return `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${ph})`;
}
