/**
 * PostgreSQL adapter (`pg` Pool; docs/design.md "Storage and scale": the server is stateless
 * apart from its database and scales out on PostgreSQL). `?` placeholders are rewritten to `$n`.
 * Migrations run under a transaction-scoped advisory lock so that several instances starting
 * together apply each migration once. An authorization costs two round trips on prepared
 * statements (docs/scaling.md): authorizationFacts reads everything in one statement and
 * commitAuthorization writes the plan with one call of a server-side function (migration 6) whose
 * single-statement transaction commits once; concurrent inserts of the same (card, atc) or
 * idempotency key wait on the unique index and the loser finds the conflict, which is the guard.
 */
import pg from 'pg';
import type {
  AuthorizationFacts,
  AuthorizationFactsQuery,
  AuthorizationPlan,
  CommitResult,
} from '../domain/authorizations.js';
import type { ThreatReportPlan } from '../domain/threats.js';
import {
  authSummaryFromRaw,
  deviceRiskFromRaw,
  RISK_DECISION_COLUMNS,
  riskDecisionValues,
  threatFromRaw,
} from './fraud-rows.js';
import { MIGRATIONS, SCHEMA_MIGRATIONS_DDL } from './migrations.js';
import {
  authorizationFromRaw,
  authValues,
  cardFromRaw,
  deviceFromRaw,
  ledgerValues,
  lukFromRaw,
  sukFromRaw,
} from './rows.js';
import {
  AUTH_COLUMNS,
  LEDGER_INSERT_COLUMNS,
  type Raw,
  SqlStore,
  streamedReportSteps,
  type TxStep,
} from './sql-store.js';

const MIGRATION_LOCK = 0x0bee_7ce0;

function toPg(sql: string): string {
  let i = 0;
  return sql.replace(/\?/g, () => `$${++i}`);
}

function isUniqueViolation(e: unknown): boolean {
  return (e as { code?: unknown })?.code === '23505';
}

/** How to reach the database, and which schema and pool size to use. */
export interface PostgresStoreOptions {
  connectionString: string;
  /** Schema to create (if absent) and use as search_path (tests use a random one). */
  schema?: string;
  max?: number;
}

/** The PostgreSQL adapter of the storage port. */
export class PostgresStore extends SqlStore {
  readonly dialect = 'postgres' as const;
  readonly #pool: pg.Pool;
  readonly #schema: string | undefined;
  /** Commits run again after a serialization failure or deadlock (tests, operations). */
  commitRetries = 0;

  constructor(opts: PostgresStoreOptions) {
    super();
    if (opts.schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(opts.schema))
      throw new Error('postgres schema: expected a lowercase identifier');
    this.#schema = opts.schema;
    this.#pool = new pg.Pool({
      connectionString: opts.connectionString,
      max: opts.max ?? 10,
      ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
    });
    // An idle client that errors (server restart) must not crash the process.
    this.#pool.on('error', () => {});
  }

  protected async all(sql: string, params: unknown[] = []): Promise<Raw[]> {
    const r = await this.#pool.query(toPg(sql), params);
    return r.rows as Raw[];
  }

  protected async run(sql: string, params: unknown[] = []): Promise<number> {
    const r = await this.#pool.query(toPg(sql), params);
    return r.rowCount ?? 0;
  }

  protected async tryInsert(sql: string, params: unknown[]): Promise<boolean> {
    try {
      await this.#pool.query(toPg(sql), params);
      return true;
    } catch (e) {
      if (isUniqueViolation(e)) return false;
      throw e;
    }
  }

  async migrate(): Promise<number> {
    const c = await this.#pool.connect();
    try {
      if (this.#schema) await c.query(`CREATE SCHEMA IF NOT EXISTS ${this.#schema}`);
      await c.query('BEGIN');
      await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await c.query(SCHEMA_MIGRATIONS_DDL('postgres'));
      const applied = new Set(
        (await c.query('SELECT version FROM schema_migrations')).rows.map((r) => Number(r.version)),
      );
      let n = 0;
      for (const m of MIGRATIONS) {
        if (applied.has(m.version)) continue;
        for (const s of m.statements('postgres')) await c.query(s);
        await c.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
          m.version,
          m.name,
          Date.now(),
        ]);
        n++;
      }
      await c.query('COMMIT');
      return n;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      c.release();
    }
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  /** Drops the schema this store was opened on (tests). */
  async dropSchema(): Promise<void> {
    if (!this.#schema) return;
    await this.#pool.query(`DROP SCHEMA IF EXISTS ${this.#schema} CASCADE`);
  }

  /** The steps of streamedReportSteps in one transaction on one pooled client. */
  async recordStreamedReports(plans: ThreatReportPlan[]): Promise<('stored' | 'replay')[]> {
    const c = await this.#pool.connect();
    try {
      await c.query('BEGIN');
      const steps = streamedReportSteps(plans, 'postgres');
      let step = steps.next();
      while (!step.done)
        step = steps.next((await c.query(toPg(step.value.sql), step.value.params)).rowCount ?? 0);
      await c.query('COMMIT');
      return step.value;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      c.release();
    }
  }

  protected async runTx(steps: TxStep[]): Promise<boolean> {
    const c = await this.#pool.connect();
    try {
      await c.query('BEGIN');
      for (const st of steps) {
        let n: number;
        try {
          n = (await c.query(toPg(st.sql), st.params)).rowCount ?? 0;
        } catch (e) {
          if (!isUniqueViolation(e)) throw e;
          await c.query('ROLLBACK');
          return false;
        }
        if (st.expectOne && n !== 1) {
          await c.query('ROLLBACK');
          return false;
        }
      }
      await c.query('COMMIT');
      return true;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      c.release();
    }
  }

  /**
   * One statement, one round trip (docs/scaling.md): scalar sub-queries over the unique and
   * primary-key indexes, the card's recent authorizations and the device's recent threats as
   * JSON arrays. Prepared once per connection.
   */
  override async authorizationFacts(q: AuthorizationFactsQuery): Promise<AuthorizationFacts> {
    const r = q.risk;
    const res = await this.#pool.query({
      name: 'openvse_authorization_facts',
      text: FACTS_SQL,
      values: [
        q.idempotencyKey,
        q.cardId,
        q.atc,
        q.api ?? null,
        r !== undefined,
        r?.historySince ?? 0,
        r?.historyLimit ?? 0,
        r?.threatsSince ?? 0,
        r?.threatsLimit ?? 0,
      ],
    });
    const row = res.rows[0] as Record<string, Raw | Raw[] | number | string | boolean | null>;
    const obj = (v: unknown) => (v === null || v === undefined ? undefined : (v as Raw));
    const existing = obj(row.existing);
    const card = obj(row.card);
    const suk = obj(row.suk);
    const luk = obj(row.luk);
    const facts: AuthorizationFacts = {
      ...(existing ? { existing: authorizationFromRaw(existing) } : {}),
      ...(card ? { card: cardFromRaw(card) } : {}),
      atcSeen: row.atc_seen === true,
      ...(suk ? { suk: sukFromRaw(suk) } : {}),
      ...(luk ? { luk: lukFromRaw(luk) } : {}),
    };
    if (row.highest_atc !== null) facts.highestAtc = Number(row.highest_atc);
    if (r) {
      const device = obj(row.device);
      const risk = obj(row.device_risk);
      facts.risk = {
        ...(device ? { device: deviceFromRaw(device) } : {}),
        ...(risk ? { deviceRisk: deviceRiskFromRaw(risk) } : {}),
        recentThreats: risk ? ((row.threats as Raw[] | null) ?? []).map(threatFromRaw) : [],
        history: ((row.history as Raw[] | null) ?? []).map(authSummaryFromRaw),
        policyVersion: Number(row.policy_version ?? 0),
      };
    }
    return facts;
  }

  /**
   * The plan in one call of openvse_commit_authorization (migration 6): one statement, its own
   * transaction, one commit. A refusing guard raises its SQLSTATE and nothing is written.
   */
  async commitAuthorization(plan: AuthorizationPlan): Promise<CommitResult> {
    // A serialization failure or a deadlock victim (SQLSTATE 40001 / 40P01) wrote nothing: the
    // statement is its own transaction, so it is simply run again. PostgreSQL at READ COMMITTED
    // rarely says so; a SERIALIZABLE deployment (CockroachDB) says so under contention and expects
    // exactly this retry (docs/scaling.md).
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#commitOnce(plan);
      } catch (e) {
        const code = (e as { code?: unknown })?.code;
        if ((code !== '40001' && code !== '40P01') || attempt >= COMMIT_ATTEMPTS) throw e;
        this.commitRetries++;
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 5 * attempt)));
      }
    }
  }

  async #commitOnce(plan: AuthorizationPlan): Promise<CommitResult> {
    const l = plan.consumeLuk;
    try {
      const res = await this.#pool.query({
        name: 'openvse_commit_authorization',
        text: 'SELECT openvse_commit_authorization($1, $2, $3, $4, $5, $6) AS r',
        values: [
          columnsObject(AUTH_COLUMNS, authValues(plan.authorization)),
          plan.ledger ? columnsObject(LEDGER_INSERT_COLUMNS, ledgerValues(plan.ledger)) : null,
          plan.consumeSuk?.atc ?? null,
          l ? { api: l.api, amount: l.amount, count_amount: l.countAmount } : null,
          plan.mobilePin?.outcome ?? null,
          plan.riskDecision
            ? columnsObject(RISK_DECISION_COLUMNS, riskDecisionValues(plan.riskDecision))
            : null,
        ],
      });
      const r = res.rows[0].r as { kind: string; existing?: Raw };
      if (r.kind === 'idempotent') {
        if (!r.existing) throw new Error('idempotency conflict without a row');
        return { kind: 'idempotent', existing: authorizationFromRaw(r.existing) };
      }
      return { kind: 'stored' };
    } catch (e) {
      const code = (e as { code?: unknown })?.code;
      if (code === 'OV001') return { kind: 'atc-replay' };
      if (code === 'OV002') return { kind: 'suk-unavailable' };
      if (code === 'OV003') return { kind: 'luk-threshold' };
      throw e;
    }
  }
}

/** How many times a commit is tried when the database asks for a retry (40001 / 40P01). */
const COMMIT_ATTEMPTS = 5;

/** A row for json_populate_record: column name → value. */
function columnsObject(columns: readonly string[], values: unknown[]): Record<string, unknown> {
  return Object.fromEntries(columns.map((c, i) => [c, values[i]]));
}

/**
 * {@link PostgresStore.authorizationFacts}: $1 key, $2 card, $3 atc, $4 api, $5 with risk facts,
 * $6–$9 windows. A retry (the key is stored) skips the history and threats, the only reads of
 * more than one row.
 */
const FACTS_SQL = `
WITH retry AS (SELECT EXISTS (SELECT 1 FROM authorizations WHERE idempotency_key = $1) AS found)
SELECT
  (SELECT row_to_json(a) FROM authorizations a WHERE a.idempotency_key = $1) AS existing,
  (SELECT row_to_json(c) FROM cards c WHERE c.card_id = $2) AS card,
  (SELECT MAX(atc) FROM atc_ledger WHERE card_id = $2) AS highest_atc,
  EXISTS (SELECT 1 FROM atc_ledger WHERE card_id = $2 AND atc = $3) AS atc_seen,
  (SELECT row_to_json(s) FROM suks s WHERE s.card_id = $2 AND s.atc = $3) AS suk,
  (SELECT row_to_json(l) FROM luks l WHERE l.card_id = $2 AND l.api = $4) AS luk,
  (SELECT row_to_json(d) FROM devices d JOIN cards c ON c.device_id = d.device_id
    WHERE $5 AND c.card_id = $2) AS device,
  (SELECT row_to_json(r) FROM device_risk r JOIN cards c ON c.device_id = r.device_id
    WHERE $5 AND c.card_id = $2) AS device_risk,
  (SELECT json_agg(t ORDER BY t.received_at DESC, t.id DESC) FROM (SELECT t.* FROM threats t
    JOIN cards c ON c.device_id = t.device_id
    WHERE $5 AND NOT (SELECT found FROM retry) AND c.card_id = $2 AND t.received_at >= $8
    ORDER BY t.received_at DESC, t.id DESC LIMIT $9) t) AS threats,
  (SELECT json_agg(h ORDER BY h.created_at DESC) FROM (SELECT id, card_id, atc, amount, currency, decision, reason, created_at
    FROM authorizations WHERE $5 AND NOT (SELECT found FROM retry) AND card_id = $2 AND created_at >= $6
    ORDER BY created_at DESC LIMIT $7) h) AS history,
  (SELECT MAX(version) FROM reaction_policies WHERE $5) AS policy_version`;
