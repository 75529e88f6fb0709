/**
 * SQLite adapter (better-sqlite3 12; docs/design.md "Storage and scale": the embedded default).
 * One file in WAL mode with synchronous = FULL, a busy timeout, foreign keys on. Transactions run
 * synchronously (`BEGIN IMMEDIATE`), so nothing else can interleave with them; the guards are
 * the constraints of migrations.ts. Authorizations are group-committed (commitAuthorization):
 * with synchronous = FULL a commit is an fsync, and concurrent authorizations share one.
 */
import Database from 'better-sqlite3';
import type { AuthorizationPlan, CommitResult } from '../domain/authorizations.js';
import type { ThreatReportPlan } from '../domain/threats.js';
import { riskDecisionValues } from './fraud-rows.js';
import { type Dialect, MIGRATIONS, SCHEMA_MIGRATIONS_DDL } from './migrations.js';
import { authorizationFromRaw, authValues, insertSql, ledgerValues } from './rows.js';
import {
  AUTH_COLUMNS,
  COMMIT_SQL,
  LEDGER_INSERT_COLUMNS,
  mobilePinSql,
  type Raw,
  RISK_DECISION_INSERT,
  SqlStore,
  streamedReportSteps,
  type TxStep,
} from './sql-store.js';

function isConstraint(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT');
}

class Abort {
  constructor(readonly result: CommitResult) {}
}

/** The SQLite adapter of the storage port. */
export class SqliteStore extends SqlStore {
  readonly dialect = 'sqlite' as const;
  readonly #db: Database.Database;
  readonly #stmts = new Map<string, Database.Statement>();
  /** Group commits so far: transactions and the plans they held (tests, operations). */
  readonly groupCommits = { transactions: 0, plans: 0 };
  /** Writes (authorization plans, streamed reports) waiting for the next group commit. */
  #group: { write: () => unknown; resolve: (r: never) => void; reject: (e: unknown) => void }[] = [];

  constructor(path: string) {
    super();
    this.#db = new Database(path);
    if (path !== ':memory:') this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('busy_timeout = 5000');
    this.#db.pragma('foreign_keys = ON');
    // FULL: a commit is on disk before the answer leaves (an approved ATC must survive a crash).
    this.#db.pragma('synchronous = FULL');
  }

  #stmt(sql: string): Database.Statement {
    let s = this.#stmts.get(sql);
    if (!s) {
      s = this.#db.prepare(sql);
      this.#stmts.set(sql, s);
    }
    return s;
  }

  protected async all(sql: string, params: unknown[] = []): Promise<Raw[]> {
    const s = this.#stmt(sql);
    if (s.reader) return s.all(...params) as Raw[];
    s.run(...params);
    return [];
  }

  protected async run(sql: string, params: unknown[] = []): Promise<number> {
    return this.#stmt(sql).run(...params).changes;
  }

  protected async tryInsert(sql: string, params: unknown[]): Promise<boolean> {
    try {
      this.#stmt(sql).run(...params);
      return true;
    } catch (e) {
      if (isConstraint(e)) return false;
      throw e;
    }
  }

  async migrate(): Promise<number> {
    const dialect: Dialect = 'sqlite';
    this.#db.exec(SCHEMA_MIGRATIONS_DDL(dialect));
    const applied = new Set(
      (this.#db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map(
        (r) => r.version,
      ),
    );
    let n = 0;
    for (const m of MIGRATIONS) {
      if (applied.has(m.version)) continue;
      this.#db
        .transaction(() => {
          for (const s of m.statements(dialect)) this.#db.exec(s);
          this.#db
            .prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
            .run(m.version, m.name, Date.now());
        })
        .immediate();
      n++;
    }
    return n;
  }

  async close(): Promise<void> {
    // Plans still waiting for their group are written before the database closes.
    this.#flushGroup();
    this.#stmts.clear();
    if (this.#db.open) this.#db.close();
  }

  protected async runTx(steps: TxStep[]): Promise<boolean> {
    const tx = this.#db.transaction((): boolean => {
      for (const st of steps) {
        let changes: number;
        try {
          changes = this.#stmt(st.sql).run(...st.params).changes;
        } catch (e) {
          if (isConstraint(e)) throw new Abort({ kind: 'atc-replay' });
          throw e;
        }
        if (st.expectOne && changes !== 1) throw new Abort({ kind: 'atc-replay' });
      }
      return true;
    });
    try {
      return tx.immediate();
    } catch (e) {
      if (e instanceof Abort) return false;
      throw e;
    }
  }

  /**
   * Group commit: the plans that arrive while the event loop is busy are written together at the
   * next turn of the loop (setImmediate), in one `BEGIN IMMEDIATE` transaction with one fsync,
   * each under its own savepoint so that a refusing guard rolls back only its own plan. Every
   * caller is answered after the COMMIT that holds its plan; if the COMMIT fails, every plan of
   * the group fails with it.
   */
  commitAuthorization(plan: AuthorizationPlan): Promise<CommitResult> {
    return this.#inGroup(() => this.#writePlan(plan));
  }

  /** Streamed threat reports join the same group commit (one fsync for all that arrive together). */
  override recordStreamedReports(plans: ThreatReportPlan[]): Promise<('stored' | 'replay')[]> {
    return this.#inGroup(() => {
      const steps = streamedReportSteps(plans, 'sqlite');
      let step = steps.next();
      while (!step.done) step = steps.next(this.#stmt(step.value.sql).run(...step.value.params).changes);
      return step.value;
    });
  }

  /** Queues a synchronous write for the next group commit; answered after its COMMIT. */
  #inGroup<T>(write: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#group.push({ write, resolve: resolve as (r: never) => void, reject });
      if (this.#group.length === 1) setImmediate(() => this.#flushGroup());
    });
  }

  #flushGroup(): void {
    const group = this.#group;
    this.#group = [];
    if (group.length === 0) return;
    const results: (unknown | Error)[] = [];
    try {
      this.#stmt('BEGIN IMMEDIATE').run();
      try {
        for (const g of group) {
          this.#stmt('SAVEPOINT plan').run();
          try {
            results.push(g.write());
            this.#stmt('RELEASE plan').run();
          } catch (e) {
            this.#stmt('ROLLBACK TO plan').run();
            this.#stmt('RELEASE plan').run();
            results.push(e instanceof Abort ? e.result : (e as Error));
          }
        }
        this.#stmt('COMMIT').run();
        this.groupCommits.transactions++;
        this.groupCommits.plans += group.length;
      } catch (e) {
        if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
        throw e;
      }
    } catch (e) {
      for (const g of group) g.reject(e);
      return;
    }
    group.forEach((g, i) => {
      const r = results[i]!;
      if (r instanceof Error) g.reject(r);
      else g.resolve(r as never);
    });
  }

  /** One plan's statements (inside the group's transaction); Abort names the guard that refused. */
  #writePlan(p: AuthorizationPlan): CommitResult {
    try {
      this.#stmt(insertSql('authorizations', AUTH_COLUMNS, 'sqlite')).run(...authValues(p.authorization));
    } catch (e) {
      if (!isConstraint(e)) throw e;
      const r = this.#stmt('SELECT * FROM authorizations WHERE idempotency_key = ?').get(
        p.authorization.idempotencyKey,
      ) as Raw | undefined;
      if (!r) throw e;
      throw new Abort({ kind: 'idempotent', existing: authorizationFromRaw(r) });
    }
    if (p.ledger) {
      try {
        this.#stmt(insertSql('atc_ledger', LEDGER_INSERT_COLUMNS, 'sqlite')).run(...ledgerValues(p.ledger));
      } catch (e) {
        if (isConstraint(e)) throw new Abort({ kind: 'atc-replay' });
        throw e;
      }
    }
    if (p.consumeSuk) {
      const n = this.#stmt(COMMIT_SQL.consumeSuk).run(p.consumeSuk.cardId, p.consumeSuk.atc).changes;
      if (n !== 1) throw new Abort({ kind: 'suk-unavailable' });
    }
    if (p.consumeLuk) {
      const c = p.consumeLuk;
      const n = c.countAmount
        ? this.#stmt(COMMIT_SQL.consumeLukCounted).run(c.amount, c.cardId, c.api, c.amount).changes
        : this.#stmt(COMMIT_SQL.consumeLukCountOnly).run(c.cardId, c.api).changes;
      if (n !== 1) throw new Abort({ kind: 'luk-threshold' });
    }
    if (p.mobilePin) this.#stmt(mobilePinSql(p.mobilePin)).run(p.mobilePin.cardId);
    if (p.riskDecision) this.#stmt(RISK_DECISION_INSERT).run(...riskDecisionValues(p.riskDecision));
    return { kind: 'stored' };
  }
}
