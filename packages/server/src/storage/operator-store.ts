/**
 * The operator tables (migration 4; docs/server-api.md "Callers", "Operators"): browser sessions
 * of signed-in operators (by the SHA-256 of their id, never the id), fleet policy changes
 * waiting for a second security admin, and the append-only audit log. The audit log has an
 * insert and reads here and nothing else; the database refuses UPDATE and DELETE on it too
 * (triggers of migration 4). SQL with `?` placeholders, run on the owning store's connection.
 */

/** A signed-in operator's session (`operator_sessions`). */
export interface OperatorSessionRow {
  idHash: string;
  username: string;
  role: string;
  createdAt: number;
  lastSeenAt: number;
  /** Absolute expiry. */
  expiresAt: number;
}

/** A fleet policy change (`policy_changes`). */
export interface PolicyChangeRow {
  id: string;
  /** The policy version in force when it was proposed. */
  baseVersion: number;
  /** The proposed update (threats/policy.ts PolicyUpdate), JSON. */
  policy: string;
  proposedBy: string;
  proposedAt: number;
  expiresAt: number;
  status: 'pending' | 'approved';
  decidedBy: string | null;
  decidedAt: number | null;
  /** The stored policy version, once approved. */
  version: number | null;
}

/** One audit log entry (`audit_log`). */
export interface AuditRow {
  id?: number;
  at: number;
  /** Who: `operator:<username>`, `token:<sub>`, `anonymous` (open development mode). */
  actor: string;
  /** The caller class or operator role the actor acted as, when known. */
  role: string | null;
  action: string;
  target: string | null;
  outcome: 'ok' | 'refused' | 'failed';
  status: number;
  /** JSON object. */
  detail: string;
  ip: string | null;
  requestId: string | null;
}

/** What the operator features ask of the database. */
export interface OperatorStore {
  insertSession(row: OperatorSessionRow): Promise<void>;
  getSession(idHash: string): Promise<OperatorSessionRow | undefined>;
  /** Sets last_seen_at (only forwards). */
  touchSession(idHash: string, now: number): Promise<void>;
  deleteSession(idHash: string): Promise<void>;
  /** Deletes sessions past their absolute expiry or idle since `idleBefore`. */
  purgeSessions(now: number, idleBefore: number): Promise<number>;

  insertPolicyChange(row: PolicyChangeRow): Promise<void>;
  getPolicyChange(id: string): Promise<PolicyChangeRow | undefined>;
  listPolicyChanges(limit: number): Promise<PolicyChangeRow[]>;
  /**
   * pending → approved by `approver`, only if it is pending, unexpired and `approver` is not its
   * proposer (one conditional update: one approval wins across instances); false otherwise.
   */
  approvePolicyChange(id: string, approver: string, now: number): Promise<boolean>;
  /** Records the policy version an approved change became. */
  setPolicyChangeVersion(id: string, version: number): Promise<void>;

  /** Appends an entry. There is no update or delete. */
  appendAudit(row: AuditRow): Promise<void>;
  /** Newest first; `beforeId` pages back. */
  listAudit(opts: { limit: number; beforeId?: number; action?: string }): Promise<AuditRow[]>;
}

/** The driver calls of the owning store. */
export interface SqlRunner {
  all(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  run(sql: string, params?: unknown[]): Promise<number>;
}

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

const sessionFrom = (r: Record<string, unknown>): OperatorSessionRow => ({
  idHash: String(r.id_hash),
  username: String(r.username),
  role: String(r.role),
  createdAt: Number(r.created_at),
  lastSeenAt: Number(r.last_seen_at),
  expiresAt: Number(r.expires_at),
});

const changeFrom = (r: Record<string, unknown>): PolicyChangeRow => ({
  id: String(r.id),
  baseVersion: Number(r.base_version),
  policy: String(r.policy),
  proposedBy: String(r.proposed_by),
  proposedAt: Number(r.proposed_at),
  expiresAt: Number(r.expires_at),
  status: r.status as PolicyChangeRow['status'],
  decidedBy: r.decided_by === null || r.decided_by === undefined ? null : String(r.decided_by),
  decidedAt: num(r.decided_at),
  version: num(r.version),
});

const auditFrom = (r: Record<string, unknown>): AuditRow => ({
  id: Number(r.id),
  at: Number(r.at),
  actor: String(r.actor),
  role: r.role === null ? null : String(r.role),
  action: String(r.action),
  target: r.target === null ? null : String(r.target),
  outcome: r.outcome as AuditRow['outcome'],
  status: Number(r.status),
  detail: String(r.detail),
  ip: r.ip === null ? null : String(r.ip),
  requestId: r.request_id === null ? null : String(r.request_id),
});

/** The operator tables in SQL. */
export class SqlOperatorStore implements OperatorStore {
  constructor(private readonly db: SqlRunner) {}

  async insertSession(s: OperatorSessionRow): Promise<void> {
    await this.db.run(
      `INSERT INTO operator_sessions (id_hash, username, role, created_at, last_seen_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
      [s.idHash, s.username, s.role, s.createdAt, s.lastSeenAt, s.expiresAt],
    );
  }

  async getSession(idHash: string): Promise<OperatorSessionRow | undefined> {
    const [r] = await this.db.all('SELECT * FROM operator_sessions WHERE id_hash = ?', [idHash]);
    return r ? sessionFrom(r) : undefined;
  }

  async touchSession(idHash: string, now: number): Promise<void> {
    await this.db.run(
      'UPDATE operator_sessions SET last_seen_at = ? WHERE id_hash = ? AND last_seen_at < ?',
      [now, idHash, now],
    );
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.db.run('DELETE FROM operator_sessions WHERE id_hash = ?', [idHash]);
  }

  purgeSessions(now: number, idleBefore: number): Promise<number> {
    return this.db.run('DELETE FROM operator_sessions WHERE expires_at <= ? OR last_seen_at < ?', [
      now,
      idleBefore,
    ]);
  }

  async insertPolicyChange(c: PolicyChangeRow): Promise<void> {
    await this.db.run(
      `INSERT INTO policy_changes (id, base_version, policy, proposed_by, proposed_at, expires_at, status)
       VALUES (?, ?, ?, ?, ?, ?, 'pending')`,
      [c.id, c.baseVersion, c.policy, c.proposedBy, c.proposedAt, c.expiresAt],
    );
  }

  async getPolicyChange(id: string): Promise<PolicyChangeRow | undefined> {
    const [r] = await this.db.all('SELECT * FROM policy_changes WHERE id = ?', [id]);
    return r ? changeFrom(r) : undefined;
  }

  async listPolicyChanges(limit: number): Promise<PolicyChangeRow[]> {
    return (await this.db.all('SELECT * FROM policy_changes ORDER BY proposed_at DESC LIMIT ?', [limit])).map(
      changeFrom,
    );
  }

  async approvePolicyChange(id: string, approver: string, now: number): Promise<boolean> {
    const n = await this.db.run(
      `UPDATE policy_changes SET status = 'approved', decided_by = ?, decided_at = ?
       WHERE id = ? AND status = 'pending' AND proposed_by <> ? AND expires_at > ?`,
      [approver, now, id, approver, now],
    );
    return n === 1;
  }

  async setPolicyChangeVersion(id: string, version: number): Promise<void> {
    await this.db.run('UPDATE policy_changes SET version = ? WHERE id = ?', [version, id]);
  }

  async appendAudit(a: AuditRow): Promise<void> {
    await this.db.run(
      `INSERT INTO audit_log (at, actor, role, action, target, outcome, status, detail, ip, request_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [a.at, a.actor, a.role, a.action, a.target, a.outcome, a.status, a.detail, a.ip, a.requestId],
    );
  }

  async listAudit(opts: { limit: number; beforeId?: number; action?: string }): Promise<AuditRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (opts.beforeId !== undefined) {
      where.push('id < ?');
      params.push(opts.beforeId);
    }
    if (opts.action !== undefined) {
      where.push('action = ?');
      params.push(opts.action);
    }
    const sql = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return (await this.db.all(sql, [...params, opts.limit])).map(auditFrom);
  }
}
