/**
 * The SQL shared by both adapters (storage/store.ts). Statements use `?` placeholders; the
 * PostgreSQL adapter rewrites them to `$n`. Single statements only: what needs a transaction
 * (migrations, commitAuthorization) is written by each adapter, because better-sqlite3 runs
 * transactions synchronously and pg on one checked-out client.
 */
import {
  AUTH_COLUMNS,
  authorizationFromRaw,
  CARD_COLUMNS,
  cardFromRaw,
  cardValues,
  DEVICE_COLUMNS,
  deviceFromRaw,
  deviceValues,
  insertSql,
  keyFromRaw,
  LUK_COLUMNS,
  ledgerFromRaw,
  lukFromRaw,
  lukValues,
  outboxFromRaw,
  sukFromRaw,
} from './rows.js';
import type {
  AuthorizationPlan,
  AuthorizationRow,
  CardRow,
  CardStatus,
  CommitResult,
  DeviceRow,
  KeyRow,
  LedgerRow,
  LukRow,
  OutboxRow,
  Store,
  StoreTable,
  SukRow,
} from './store.js';
import { STORE_TABLES } from './store.js';

export type Raw = Record<string, unknown>;

export abstract class SqlStore implements Store {
  abstract readonly dialect: 'sqlite' | 'postgres';
  protected abstract all(sql: string, params?: unknown[]): Promise<Raw[]>;
  /** Runs a statement; returns the number of rows changed. */
  protected abstract run(sql: string, params?: unknown[]): Promise<number>;
  /** Runs an INSERT; false when a UNIQUE / PRIMARY KEY constraint refused it. */
  protected abstract tryInsert(sql: string, params: unknown[]): Promise<boolean>;
  abstract migrate(): Promise<number>;
  abstract close(): Promise<void>;
  abstract commitAuthorization(plan: AuthorizationPlan): Promise<CommitResult>;

  protected async one(sql: string, params?: unknown[]): Promise<Raw | undefined> {
    const rows = await this.all(sql, params);
    return rows[0];
  }

  async schemaVersion(): Promise<number> {
    const r = await this.one('SELECT MAX(version) AS v FROM schema_migrations');
    return r?.v === null || r?.v === undefined ? 0 : Number(r.v);
  }

  async countRows(table: StoreTable): Promise<number> {
    if (!STORE_TABLES.includes(table)) throw new Error('unknown table');
    const r = await this.one(`SELECT COUNT(*) AS n FROM ${table}`);
    return Number(r?.n ?? 0);
  }

  // --- keys -----------------------------------------------------------------------------------
  insertKey(k: KeyRow): Promise<boolean> {
    return this.tryInsert(
      insertSql(
        'issuer_keys',
        ['name', 'version', 'kind', 'kcv', 'wrapped', 'public_jwk', 'created_at'],
        this.dialect,
      ),
      [k.name, k.version, k.kind, k.kcv, k.wrapped, k.publicJwk, k.createdAt],
    );
  }

  async getKey(name: string): Promise<KeyRow | undefined> {
    const r = await this.one('SELECT * FROM issuer_keys WHERE name = ? ORDER BY version DESC LIMIT 1', [
      name,
    ]);
    return r ? keyFromRaw(r) : undefined;
  }

  // --- cards ----------------------------------------------------------------------------------
  insertCard(c: CardRow): Promise<boolean> {
    return this.tryInsert(insertSql('cards', CARD_COLUMNS, this.dialect), cardValues(c));
  }

  async getCard(cardId: string): Promise<CardRow | undefined> {
    const r = await this.one('SELECT * FROM cards WHERE card_id = ?', [cardId]);
    return r ? cardFromRaw(r) : undefined;
  }

  async getCardByTokenPan(tokenPan: string): Promise<CardRow | undefined> {
    const r = await this.one('SELECT * FROM cards WHERE token_pan = ?', [tokenPan]);
    return r ? cardFromRaw(r) : undefined;
  }

  async getCardsByFundingHash(hash: string): Promise<CardRow[]> {
    const rows = await this.all('SELECT * FROM cards WHERE funding_pan_hash = ? ORDER BY created_at', [hash]);
    return rows.map(cardFromRaw);
  }

  async setCardStatus(cardId: string, status: CardStatus, now: number): Promise<CardRow | undefined> {
    const n = await this.run(
      "UPDATE cards SET status = ?, updated_at = ? WHERE card_id = ? AND status <> 'DELETED'",
      [status, now, cardId],
    );
    return n === 1 ? this.getCard(cardId) : undefined;
  }

  async bindCardDevice(cardId: string, deviceId: string, now: number): Promise<boolean> {
    const n = await this.run(
      'UPDATE cards SET device_id = ?, updated_at = ? WHERE card_id = ? AND (device_id IS NULL OR device_id = ?)',
      [deviceId, now, cardId, deviceId],
    );
    return n === 1;
  }

  async allocateAtcs(cardId: string, n: number): Promise<number> {
    const r = await this.one(
      'UPDATE cards SET next_atc = next_atc + ? WHERE card_id = ? RETURNING next_atc',
      [n, cardId],
    );
    if (!r) throw new Error('allocateAtcs: unknown card');
    return Number(r.next_atc) - n;
  }

  // --- devices --------------------------------------------------------------------------------
  insertDevice(d: DeviceRow): Promise<boolean> {
    return this.tryInsert(insertSql('devices', DEVICE_COLUMNS, this.dialect), deviceValues(d));
  }

  async getDevice(deviceId: string): Promise<DeviceRow | undefined> {
    const r = await this.one('SELECT * FROM devices WHERE device_id = ?', [deviceId]);
    return r ? deviceFromRaw(r) : undefined;
  }

  async updateDeviceEnrollment(d: DeviceRow): Promise<void> {
    await this.run(
      `UPDATE devices SET ta_enc_jwk = ?, ta_enc_kid = ?, ta_sig_jwk = ?, ta_sig_kid = ?,
        ta_code_sha256 = ?, protection_level = ?, enrolled_at = ?,
        last_state_counter = CASE WHEN last_state_counter < ? THEN ? ELSE last_state_counter END
       WHERE device_id = ?`,
      [
        d.taEncJwk,
        d.taEncKid,
        d.taSigJwk,
        d.taSigKid,
        d.taCodeSha256,
        d.protectionLevel,
        d.enrolledAt,
        d.lastStateCounter,
        d.lastStateCounter,
        d.deviceId,
      ],
    );
  }

  async advanceStateCounter(deviceId: string, counter20: string): Promise<boolean> {
    const n = await this.run(
      'UPDATE devices SET last_state_counter = ? WHERE device_id = ? AND last_state_counter <= ?',
      [counter20, deviceId, counter20],
    );
    return n === 1;
  }

  async allocateSeq(deviceId: string): Promise<number> {
    const r = await this.one(
      'UPDATE devices SET last_seq = last_seq + 1 WHERE device_id = ? RETURNING last_seq',
      [deviceId],
    );
    if (!r) throw new Error('allocateSeq: unknown device');
    return Number(r.last_seq);
  }

  // --- nonces ---------------------------------------------------------------------------------
  insertNonce(nonce: string, kind: string, now: number, expiresAt: number): Promise<boolean> {
    return this.tryInsert(insertSql('nonces', ['nonce', 'kind', 'created_at', 'expires_at'], this.dialect), [
      nonce,
      kind,
      now,
      expiresAt,
    ]);
  }

  async consumeNonce(nonce: string, kind: string, now: number): Promise<boolean> {
    const n = await this.run(
      'UPDATE nonces SET used_at = ? WHERE nonce = ? AND kind = ? AND used_at IS NULL AND expires_at > ?',
      [now, nonce, kind, now],
    );
    return n === 1;
  }

  purgeNonces(now: number): Promise<number> {
    return this.run('DELETE FROM nonces WHERE expires_at < ?', [now]);
  }

  // --- credentials ----------------------------------------------------------------------------
  insertLuk(l: LukRow): Promise<boolean> {
    return this.tryInsert(insertSql('luks', LUK_COLUMNS, this.dialect), lukValues(l));
  }

  async getLuk(cardId: string, api: string): Promise<LukRow | undefined> {
    const r = await this.one('SELECT * FROM luks WHERE card_id = ? AND api = ?', [cardId, api]);
    return r ? lukFromRaw(r) : undefined;
  }

  async listLuks(cardId: string): Promise<LukRow[]> {
    return (await this.all('SELECT * FROM luks WHERE card_id = ? ORDER BY issued_at, api', [cardId])).map(
      lukFromRaw,
    );
  }

  retireLuks(cardId: string, now: number, keepApi?: string): Promise<number> {
    return this.run('UPDATE luks SET retired_at = ? WHERE card_id = ? AND retired_at IS NULL AND api <> ?', [
      now,
      cardId,
      keepApi ?? '',
    ]);
  }

  async insertSuks(rows: SukRow[]): Promise<void> {
    for (const s of rows) {
      const ok = await this.tryInsert(
        insertSql('suks', ['card_id', 'atc', 'status', 'issued_at'], this.dialect),
        [s.cardId, s.atc, s.status, s.issuedAt],
      );
      if (!ok) throw new Error('insertSuks: ATC already issued');
    }
  }

  async getSuk(cardId: string, atc: number): Promise<SukRow | undefined> {
    const r = await this.one('SELECT * FROM suks WHERE card_id = ? AND atc = ?', [cardId, atc]);
    return r ? sukFromRaw(r) : undefined;
  }

  async listSuks(cardId: string): Promise<SukRow[]> {
    return (await this.all('SELECT * FROM suks WHERE card_id = ? ORDER BY atc', [cardId])).map(sukFromRaw);
  }

  async discardSuks(cardId: string, atcs?: number[]): Promise<number> {
    if (atcs === undefined)
      return this.run("UPDATE suks SET status = 'DISCARDED' WHERE card_id = ? AND status = 'UNUSED'", [
        cardId,
      ]);
    let n = 0;
    for (const atc of atcs)
      n += await this.run(
        "UPDATE suks SET status = 'DISCARDED' WHERE card_id = ? AND atc = ? AND status = 'UNUSED'",
        [cardId, atc],
      );
    return n;
  }

  // --- outbox ---------------------------------------------------------------------------------
  async insertMessage(m: OutboxRow): Promise<void> {
    const ok = await this.tryInsert(
      insertSql(
        'outbox',
        ['device_id', 'seq', 'typ', 'card_id', 'message', 'created_at', 'expires_at'],
        this.dialect,
      ),
      [m.deviceId, m.seq, m.typ, m.cardId, m.message, m.createdAt, m.expiresAt],
    );
    if (!ok) throw new Error('insertMessage: sequence number already used');
  }

  async listMessages(deviceId: string, afterSeq: number, limit: number): Promise<OutboxRow[]> {
    return (
      await this.all('SELECT * FROM outbox WHERE device_id = ? AND seq > ? ORDER BY seq LIMIT ?', [
        deviceId,
        afterSeq,
        limit,
      ])
    ).map(outboxFromRaw);
  }

  // --- authorizations -------------------------------------------------------------------------
  async getAuthorizationByKey(key: string): Promise<AuthorizationRow | undefined> {
    const r = await this.one('SELECT * FROM authorizations WHERE idempotency_key = ?', [key]);
    return r ? authorizationFromRaw(r) : undefined;
  }

  async highestAtc(cardId: string): Promise<number | undefined> {
    const r = await this.one('SELECT MAX(atc) AS m FROM atc_ledger WHERE card_id = ?', [cardId]);
    return r?.m === null || r?.m === undefined ? undefined : Number(r.m);
  }

  async ledgerHas(cardId: string, atc: number): Promise<boolean> {
    return (
      (await this.one('SELECT 1 AS x FROM atc_ledger WHERE card_id = ? AND atc = ?', [cardId, atc])) !==
      undefined
    );
  }

  async ledgerFor(cardId: string, api: string): Promise<LedgerRow[]> {
    return (
      await this.all('SELECT * FROM atc_ledger WHERE card_id = ? AND api = ? ORDER BY atc', [cardId, api])
    ).map(ledgerFromRaw);
  }
}

/** SQL used by the adapters inside commitAuthorization. */
export const COMMIT_SQL = {
  consumeSuk: "UPDATE suks SET status = 'USED' WHERE card_id = ? AND atc = ? AND status = 'UNUSED'",
  consumeLukCounted: `UPDATE luks SET used_count = used_count + 1, used_amount = used_amount + ?
     WHERE card_id = ? AND api = ? AND retired_at IS NULL
       AND used_count < max_transactions AND used_amount + ? <= max_amount`,
  consumeLukCountOnly: `UPDATE luks SET used_count = used_count + 1
     WHERE card_id = ? AND api = ? AND retired_at IS NULL AND used_count < max_transactions`,
} as const;

export { AUTH_COLUMNS };
export const LEDGER_INSERT_COLUMNS = [
  'card_id',
  'atc',
  'api',
  'un',
  'amount',
  'authorization_id',
  'decision',
  'created_at',
] as const;
