/**
 * The SQL shared by both adapters (docs/server-api.md "Storage"; the port of store.ts, the guards
 * of docs/design.md "Storage and scale"). Statements use `?` placeholders; the PostgreSQL
 * adapter rewrites them to `$n`. Single statements only: what needs a transaction (migrations,
 * commitAuthorization) is written by each adapter, because better-sqlite3 runs transactions
 * synchronously and pg on one checked-out client.
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
import type { FiredRule, RiskContextType, RiskDecisionRow } from '../domain/risk-decisions.js';
import type { DeviceRiskRow, PolicyRow, ThreatReportPlan, ThreatRow } from '../domain/threats.js';
import {
  type AuthorizationSearch,
  authorizationSearchQuery,
  cardSearchQuery,
  type DashboardAuthorizationRow,
  decisionsOfQuery,
  declineReasonsQuery,
  deviceSearchQuery,
  type FindingSearch,
  findingsQuery,
  type InventorySearch,
  type ThreatFinding,
} from './dashboard-queries.js';
import {
  authSummaryFromRaw,
  deviceRiskFromRaw,
  jsonArray,
  RISK_DECISION_COLUMNS,
  riskDecisionFromRaw,
  riskDecisionValues,
  THREAT_INSERT_COLUMNS,
  THREAT_REPORT_COLUMNS,
  threatFromRaw,
  threatReportValues,
  threatValues,
} from './fraud-rows.js';
import { type OperatorStore, SqlOperatorStore } from './operator-store.js';
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
import type { Store, StoreTable } from './store.js';
import { STORE_TABLES } from './store.js';

/** A row as the driver returns it. */
export type Raw = Record<string, unknown>;

/** One statement of {@link SqlStore.runTx} (`?` placeholders). */
export interface TxStep {
  sql: string;
  params: unknown[];
  expectOne?: boolean;
}

const OUTBOX_COLUMNS = ['device_id', 'seq', 'typ', 'card_id', 'message', 'created_at', 'expires_at'];
const outboxValues = (m: OutboxRow) => [
  m.deviceId,
  m.seq,
  m.typ,
  m.cardId,
  m.message,
  m.createdAt,
  m.expiresAt,
];

const AUTH_SUMMARY_COLUMNS =
  'a.id, a.card_id, a.atc, a.amount, a.currency, a.decision, a.reason, a.created_at';

/** The storage port in SQL, shared by both adapters; each supplies its driver calls and transactions. */
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
  /**
   * Runs the steps in one transaction. A step with `expectOne` that changes no row, or a
   * UNIQUE / PRIMARY KEY violation, rolls everything back and answers false.
   */
  protected abstract runTx(steps: TxStep[]): Promise<boolean>;

  #operators: OperatorStore | undefined;
  /** The operator tables, on this store's connection (storage/operator-store.ts). */
  get operators(): OperatorStore {
    this.#operators ??= new SqlOperatorStore({
      all: (q, p) => this.all(q, p),
      run: (q, p) => this.run(q, p),
    });
    return this.#operators;
  }

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
    // Back to ACTIVE (the issuer resumed the token, e.g. after the PIN tries ran out): the mobile
    // PIN gets its tries back.
    const n = await this.run(
      `UPDATE cards SET status = ?, updated_at = ?,
         mobile_pin_failures = CASE WHEN ? = 'ACTIVE' THEN 0 ELSE mobile_pin_failures END
       WHERE card_id = ? AND status <> 'DELETED'`,
      [status, now, status, cardId],
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

  async resetDevice(deviceId: string, until: number, now: number): Promise<number | undefined> {
    const c = await this.one('SELECT COUNT(*) AS n FROM cards WHERE device_id = ?', [deviceId]);
    const ok = await this.runTx([
      {
        sql: 'UPDATE devices SET repin_until = ? WHERE device_id = ?',
        params: [until, deviceId],
        expectOne: true,
      },
      {
        sql: 'UPDATE luks SET retired_at = ? WHERE retired_at IS NULL AND card_id IN (SELECT card_id FROM cards WHERE device_id = ?)',
        params: [now, deviceId],
      },
      {
        sql: `UPDATE suks SET status = 'DISCARDED' WHERE status = 'UNUSED' AND card_id IN (SELECT card_id FROM cards WHERE device_id = ?)`,
        params: [deviceId],
      },
      {
        sql: 'UPDATE cards SET device_id = NULL, updated_at = ? WHERE device_id = ?',
        params: [now, deviceId],
      },
    ]);
    return ok ? Number(c?.n ?? 0) : undefined;
  }

  async repinDevice(d: DeviceRow, now: number): Promise<boolean> {
    // Every enrollment column from the one list, but the id and the outbox position it keeps.
    const values = deviceValues(d);
    const set = DEVICE_COLUMNS.flatMap((c, i) =>
      c === 'device_id' || c === 'last_seq' ? [] : [[c, values[i]] as const],
    );
    const n = await this.run(
      `UPDATE devices SET ${set.map(([c]) => `${c} = ?`).join(', ')}, repin_until = NULL
       WHERE device_id = ? AND repin_until IS NOT NULL AND repin_until > ?`,
      [...set.map(([, v]) => v), d.deviceId, now],
    );
    return n === 1;
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

  issueCredentials(p: IssuancePlan): Promise<boolean> {
    const steps: TxStep[] = [];
    // The claim comes first: an authorization locks the LUK row before the card row, and so do
    // we (no lock-order deadlock on PostgreSQL). A second claim of the same LUK waits for the
    // first transaction, then finds it retired: 0 rows, rolled back.
    if (p.claimApi !== undefined)
      steps.push({
        sql: 'UPDATE luks SET retired_at = ? WHERE card_id = ? AND api = ? AND retired_at IS NULL',
        params: [p.now, p.cardId, p.claimApi],
        expectOne: true,
      });
    steps.push(
      p.card === 'bind'
        ? {
            sql: `UPDATE cards SET device_id = ?, updated_at = ?
                  WHERE card_id = ? AND device_id IS NULL AND status = 'ACTIVE'`,
            params: [p.deviceId, p.now, p.cardId],
            expectOne: true,
          }
        : {
            sql: `UPDATE cards SET device_id = device_id WHERE card_id = ? AND device_id = ? AND status = 'ACTIVE'`,
            params: [p.cardId, p.deviceId],
            expectOne: true,
          },
    );
    if (p.spendNonce)
      steps.push({
        sql: 'UPDATE nonces SET used_at = ? WHERE nonce = ? AND kind = ? AND used_at IS NULL AND expires_at > ?',
        params: [p.now, p.spendNonce.nonce, p.spendNonce.kind, p.now],
        expectOne: true,
      });
    if (p.luk) steps.push({ sql: insertSql('luks', LUK_COLUMNS, 'sqlite'), params: lukValues(p.luk) });
    for (const k of p.suks ?? [])
      steps.push({
        sql: insertSql('suks', ['card_id', 'atc', 'status', 'issued_at'], 'sqlite'),
        params: [k.cardId, k.atc, k.status, k.issuedAt],
      });
    for (const m of p.messages)
      steps.push({ sql: insertSql('outbox', OUTBOX_COLUMNS, 'sqlite'), params: outboxValues(m) });
    return this.runTx(steps);
  }

  // --- outbox ---------------------------------------------------------------------------------
  async insertMessage(m: OutboxRow): Promise<void> {
    const ok = await this.tryInsert(insertSql('outbox', OUTBOX_COLUMNS, this.dialect), outboxValues(m));
    if (!ok) throw new Error('insertMessage: sequence number already used');
  }

  async lastCardMessage(deviceId: string, cardId: string, typ: MessageType): Promise<OutboxRow | undefined> {
    const r = await this.one(
      'SELECT * FROM outbox WHERE device_id = ? AND card_id = ? AND typ = ? ORDER BY seq DESC LIMIT 1',
      [deviceId, cardId, typ],
    );
    return r ? outboxFromRaw(r) : undefined;
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
  /**
   * The reads of one authorization, one after the other (in process on SQLite; the PostgreSQL
   * adapter answers the same in one statement).
   */
  async authorizationFacts(q: AuthorizationFactsQuery): Promise<AuthorizationFacts> {
    const existing = await this.getAuthorizationByKey(q.idempotencyKey);
    // A retry is answered from its stored answer: nothing else is needed.
    if (existing) return { existing, atcSeen: false };
    const card = await this.getCard(q.cardId);
    const facts: AuthorizationFacts = {
      ...(card ? { card } : {}),
      atcSeen: await this.ledgerHas(q.cardId, q.atc),
    };
    const highest = await this.highestAtc(q.cardId);
    if (highest !== undefined) facts.highestAtc = highest;
    const suk = await this.getSuk(q.cardId, q.atc);
    if (suk) facts.suk = suk;
    const luk = q.api === undefined ? undefined : await this.getLuk(q.cardId, q.api);
    if (luk) facts.luk = luk;
    if (q.risk) {
      const r = q.risk;
      const device = card?.deviceId ? await this.getDevice(card.deviceId) : undefined;
      const deviceRisk = device ? await this.getDeviceRisk(device.deviceId) : undefined;
      const policy = await this.one('SELECT MAX(version) AS v FROM reaction_policies');
      facts.risk = {
        ...(device ? { device } : {}),
        ...(deviceRisk ? { deviceRisk } : {}),
        recentThreats: deviceRisk
          ? await this.listThreats({
              deviceId: deviceRisk.deviceId,
              since: r.threatsSince,
              limit: r.threatsLimit,
            })
          : [],
        history: await this.authorizationsForCard(q.cardId, r.historySince, r.historyLimit),
        policyVersion: policy?.v === null || policy?.v === undefined ? 0 : Number(policy.v),
      };
    }
    return facts;
  }

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

  // --- threat intelligence --------------------------------------------------------------------
  async listDevices(limit: number): Promise<DeviceRow[]> {
    return (
      await this.all('SELECT * FROM devices ORDER BY enrolled_at DESC, device_id LIMIT ?', [limit])
    ).map(deviceFromRaw);
  }

  async getDeviceRisk(deviceId: string): Promise<DeviceRiskRow | undefined> {
    const r = await this.one('SELECT * FROM device_risk WHERE device_id = ?', [deviceId]);
    return r ? deviceRiskFromRaw(r) : undefined;
  }

  async listDeviceRisk(): Promise<DeviceRiskRow[]> {
    return (await this.all('SELECT * FROM device_risk ORDER BY device_id')).map(deviceRiskFromRaw);
  }

  async recordThreatReport(plan: ThreatReportPlan): Promise<'stored' | 'replay'> {
    const r = plan.report;
    await this.run(
      `INSERT INTO device_risk (device_id, updated_at) VALUES (?, ?) ON CONFLICT (device_id) DO NOTHING`,
      [r.deviceId, r.receivedAt],
    );
    const isScan = r.typ === 'threat-report';
    const update: TxStep = {
      // The guard: the seq must be above every seq accepted for the device.
      sql: `UPDATE device_risk SET
          seq_gaps = seq_gaps + (? - last_report_seq - 1),
          last_report_seq = ?,
          reports = reports + 1,
          last_seen_at = ?,
          ${isScan ? 'last_report_at = ?, active_threats = ?,' : 'last_heartbeat_at = ?,'}
          updated_at = ?
        WHERE device_id = ? AND last_report_seq < ?`,
      params: [
        r.seq,
        r.seq,
        r.receivedAt,
        r.receivedAt,
        ...(isScan ? [JSON.stringify(plan.activeThreats ?? [])] : []),
        r.receivedAt,
        r.deviceId,
        r.seq,
      ],
      expectOne: true,
    };
    const steps: TxStep[] = [
      update,
      { sql: insertSql('threat_reports', THREAT_REPORT_COLUMNS, 'sqlite'), params: threatReportValues(r) },
      ...plan.threats.map((t) => ({
        sql: insertSql('threats', THREAT_INSERT_COLUMNS, 'sqlite'),
        params: threatValues(t),
      })),
    ];
    return (await this.runTx(steps)) ? 'stored' : 'replay';
  }

  /** Each adapter runs {@link streamedReportSteps} in a transaction of its own kind. */
  abstract recordStreamedReports(plans: ThreatReportPlan[]): Promise<('stored' | 'replay')[]>;

  async listThreats(opts: { since?: number; deviceId?: string; limit: number }): Promise<ThreatRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (opts.since !== undefined) {
      where.push('received_at >= ?');
      params.push(opts.since);
    }
    if (opts.deviceId !== undefined) {
      where.push('device_id = ?');
      params.push(opts.deviceId);
    }
    const w = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    return (
      await this.all(`SELECT * FROM threats ${w} ORDER BY received_at DESC, id DESC LIMIT ?`, [
        ...params,
        opts.limit,
      ])
    ).map(threatFromRaw);
  }

  insertPolicy(p: PolicyRow): Promise<boolean> {
    return this.tryInsert(insertSql('reaction_policies', ['version', 'policy', 'created_at'], this.dialect), [
      p.version,
      p.policy,
      p.createdAt,
    ]);
  }

  async getPolicy(): Promise<PolicyRow | undefined> {
    const r = await this.one('SELECT * FROM reaction_policies ORDER BY version DESC LIMIT 1');
    return r
      ? { version: Number(r.version), policy: String(r.policy), createdAt: Number(r.created_at) }
      : undefined;
  }

  // --- fraud decisions ------------------------------------------------------------------------
  async insertRiskDecision(d: RiskDecisionRow): Promise<void> {
    await this.run(RISK_DECISION_INSERT, riskDecisionValues(d));
  }

  async listRiskDecisions(opts: {
    limit: number;
    context?: RiskContextType;
    deviceId?: string;
    cardId?: string;
    authorizationId?: string;
  }): Promise<RiskDecisionRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    for (const [col, v] of [
      ['context', opts.context],
      ['device_id', opts.deviceId],
      ['card_id', opts.cardId],
      ['authorization_id', opts.authorizationId],
    ] as const) {
      if (v === undefined) continue;
      where.push(`${col} = ?`);
      params.push(v);
    }
    const w = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    return (
      await this.all(`SELECT * FROM risk_decisions ${w} ORDER BY created_at DESC, id LIMIT ?`, [
        ...params,
        opts.limit,
      ])
    ).map(riskDecisionFromRaw);
  }

  async countRiskDecisions(opts: {
    context: RiskContextType;
    deviceId?: string;
    cardId?: string;
    since: number;
  }): Promise<number> {
    const where = ['context = ?', 'created_at >= ?'];
    const params: unknown[] = [opts.context, opts.since];
    if (opts.deviceId !== undefined) {
      where.push('device_id = ?');
      params.push(opts.deviceId);
    }
    if (opts.cardId !== undefined) {
      where.push('card_id = ?');
      params.push(opts.cardId);
    }
    const r = await this.one(`SELECT COUNT(*) AS n FROM risk_decisions WHERE ${where.join(' AND ')}`, params);
    return Number(r?.n ?? 0);
  }

  async authorizationsForCard(cardId: string, since: number, limit: number): Promise<AuthorizationSummary[]> {
    return (
      await this.all(
        `SELECT ${AUTH_SUMMARY_COLUMNS} FROM authorizations a WHERE a.card_id = ? AND a.created_at >= ?
         ORDER BY a.created_at DESC LIMIT ?`,
        [cardId, since, limit],
      )
    ).map(authSummaryFromRaw);
  }

  async authorizationsForDevice(
    deviceId: string,
    since: number,
    limit: number,
  ): Promise<AuthorizationSummary[]> {
    return (
      await this.all(
        `SELECT ${AUTH_SUMMARY_COLUMNS} FROM authorizations a JOIN cards c ON c.card_id = a.card_id
         WHERE c.device_id = ? AND a.created_at >= ? ORDER BY a.created_at DESC LIMIT ?`,
        [deviceId, since, limit],
      )
    ).map(authSummaryFromRaw);
  }

  async recentAuthorizations(limit: number): Promise<AuthorizationSummary[]> {
    return (
      await this.all(
        `SELECT ${AUTH_SUMMARY_COLUMNS} FROM authorizations a ORDER BY a.created_at DESC, a.id LIMIT ?`,
        [limit],
      )
    ).map(authSummaryFromRaw);
  }

  async declineReasons(since: number): Promise<{ reason: string; count: number }[]> {
    return (
      await this.all(
        `SELECT reason, COUNT(*) AS n FROM authorizations WHERE decision = 'DECLINE' AND created_at >= ?
         GROUP BY reason ORDER BY COUNT(*) DESC, reason`,
        [since],
      )
    ).map((r) => ({ reason: String(r.reason), count: Number(r.n) }));
  }

  async authorizationCounts(since: number): Promise<{ approved: number; declined: number }> {
    const r = await this.one(
      `SELECT SUM(CASE WHEN decision = 'APPROVE' THEN 1 ELSE 0 END) AS a,
              SUM(CASE WHEN decision = 'DECLINE' THEN 1 ELSE 0 END) AS d
       FROM authorizations WHERE created_at >= ?`,
      [since],
    );
    return { approved: Number(r?.a ?? 0), declined: Number(r?.d ?? 0) };
  }

  async listCards(limit: number): Promise<CardRow[]> {
    return (await this.all('SELECT * FROM cards ORDER BY created_at DESC, card_id LIMIT ?', [limit])).map(
      cardFromRaw,
    );
  }

  async cardInventory(cardId: string): Promise<CardInventory | undefined> {
    const card = await this.getCard(cardId);
    if (!card) return undefined;
    const luks = await this.listLuks(cardId);
    const counts = await this.all(
      'SELECT status, COUNT(*) AS n FROM suks WHERE card_id = ? GROUP BY status',
      [cardId],
    );
    const suks = { unused: 0, used: 0, discarded: 0 };
    for (const c of counts) {
      const k = String(c.status).toLowerCase() as keyof typeof suks;
      if (k in suks) suks[k] = Number(c.n);
    }
    const m = await this.one("SELECT COUNT(*) AS n FROM outbox WHERE card_id = ? AND typ = 'credentials'", [
      cardId,
    ]);
    return { card, luks, suks, credentialMessages: Number(m?.n ?? 0) };
  }

  // --- the dashboard's searches ---------------------------------------------------------------
  async dashboardAuthorizations(f: AuthorizationSearch): Promise<DashboardAuthorizationRow[]> {
    const q = authorizationSearchQuery(f);
    const rows = await this.all(q.sql, q.params);
    const risk = new Map<string, DashboardAuthorizationRow['risk']>();
    if (rows.length > 0) {
      const d = decisionsOfQuery(rows.map((r) => String(r.id)));
      for (const r of await this.all(d.sql, d.params))
        risk.set(String(r.authorization_id), {
          score: Number(r.score),
          outcome: String(r.outcome) as NonNullable<DashboardAuthorizationRow['risk']>['outcome'],
          reason: String(r.reason),
          rules: jsonArray<FiredRule>(r.rules),
        });
    }
    const strOrNull = (v: unknown) => (v === null || v === undefined ? null : String(v));
    return rows.map((r) => ({
      ...authSummaryFromRaw(r),
      merchantId: strOrNull(r.merchant_id),
      terminalId: strOrNull(r.terminal_id),
      deviceId: strOrNull(r.device_id),
      tokenPan: strOrNull(r.token_pan),
      risk: risk.get(String(r.id)) ?? null,
    }));
  }

  async dashboardDeclineReasons(f: AuthorizationSearch): Promise<{ reason: string; count: number }[]> {
    const q = declineReasonsQuery(f);
    return (await this.all(q.sql, q.params)).map((r) => ({ reason: String(r.reason), count: Number(r.n) }));
  }

  async threatFindings(f: FindingSearch): Promise<ThreatFinding[]> {
    const q = findingsQuery(f);
    return (await this.all(q.sql, q.params)).map((r) => {
      const last = threatFromRaw(r);
      return {
        deviceId: last.deviceId,
        code: last.code,
        count: Number(r.n),
        firstSeen: Number(r.first_seen),
        lastSeen: Number(r.last_seen),
        last,
      };
    });
  }

  async searchDevices(f: InventorySearch): Promise<DeviceRow[]> {
    const q = deviceSearchQuery(f);
    return (await this.all(q.sql, q.params)).map(deviceFromRaw);
  }

  async searchCards(f: InventorySearch): Promise<CardRow[]> {
    const q = cardSearchQuery(f);
    return (await this.all(q.sql, q.params)).map(cardFromRaw);
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
  mobilePinWrong: 'UPDATE cards SET mobile_pin_failures = mobile_pin_failures + 1 WHERE card_id = ?',
  mobilePinVerified:
    'UPDATE cards SET mobile_pin_failures = 0 WHERE card_id = ? AND mobile_pin_failures <> 0',
} as const;

/** The statement of a plan's mobile PIN outcome. */
export function mobilePinSql(p: NonNullable<AuthorizationPlan['mobilePin']>): string {
  return p.outcome === 'wrong' ? COMMIT_SQL.mobilePinWrong : COMMIT_SQL.mobilePinVerified;
}

export { AUTH_COLUMNS };
/** INSERT of one `risk_decisions` row (`?` placeholders, {@link riskDecisionValues} order). */
export const RISK_DECISION_INSERT = insertSql('risk_decisions', RISK_DECISION_COLUMNS, 'sqlite');
/** The columns of `atc_ledger` an insert sets. */
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

/** One statement of a step-by-step write: the driver answers the rows it changed. */
export interface StepStatement {
  sql: string;
  params: unknown[];
}

/**
 * The statements of Store.recordStreamedReports, one at a time: each takes the rows the previous
 * one changed (a generator, so that SQLite runs it synchronously inside a group commit and
 * PostgreSQL asynchronously in its transaction). Returns one answer per plan.
 */
export function* streamedReportSteps(
  plans: ThreatReportPlan[],
  dialect: 'sqlite' | 'postgres',
): Generator<StepStatement, ('stored' | 'replay')[], number> {
  // One lock order for every writer (device, then seq): two instances' batches never deadlock.
  const order = plans.map((p, i) => [p, i] as const);
  order.sort(([a], [b]) =>
    a.report.deviceId < b.report.deviceId
      ? -1
      : a.report.deviceId > b.report.deviceId
        ? 1
        : a.report.seq - b.report.seq,
  );
  const greatest = dialect === 'postgres' ? 'GREATEST' : 'MAX';
  const out = new Array<'stored' | 'replay'>(plans.length);
  for (const [plan, i] of order) {
    const r = plan.report;
    yield {
      sql: 'INSERT INTO device_risk (device_id, updated_at) VALUES (?, ?) ON CONFLICT (device_id) DO NOTHING',
      params: [r.deviceId, r.receivedAt],
    };
    // The idempotency guard: the primary key (device_id, seq) of the stored reports.
    const inserted = yield {
      sql: `${insertSql('threat_reports', THREAT_REPORT_COLUMNS, 'sqlite')} ON CONFLICT (device_id, seq) DO NOTHING`,
      params: threatReportValues(r),
    };
    if (inserted !== 1) {
      out[i] = 'replay';
      continue;
    }
    for (const t of plan.threats)
      yield { sql: insertSql('threats', THREAT_INSERT_COLUMNS, 'sqlite'), params: threatValues(t) };
    const isScan = r.typ === 'threat-report';
    // Right-hand sides read the row before the update: seq_gaps = the highest seq minus the
    // reports stored (this one included), which a late report lowers by one.
    yield {
      sql: `UPDATE device_risk SET
             seq_gaps = ${greatest}(last_report_seq, ?) - (reports + 1),
             last_report_seq = ${greatest}(last_report_seq, ?),
             reports = reports + 1,
             last_seen_at = ${greatest}(COALESCE(last_seen_at, 0), ?),
             ${
               isScan
                 ? `last_report_at = ${greatest}(COALESCE(last_report_at, 0), ?),
                    active_threats = CASE WHEN ? > last_report_seq THEN ? ELSE active_threats END,`
                 : `last_heartbeat_at = ${greatest}(COALESCE(last_heartbeat_at, 0), ?),`
             }
             updated_at = ?
           WHERE device_id = ?`,
      params: [
        r.seq,
        r.seq,
        r.receivedAt,
        r.receivedAt,
        ...(isScan ? [r.seq, JSON.stringify(plan.activeThreats ?? [])] : []),
        r.receivedAt,
        r.deviceId,
      ],
    };
    out[i] = 'stored';
  }
  return out;
}
