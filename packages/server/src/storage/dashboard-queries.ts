/**
 * The dashboard's searches (docs/dashboard.md; docs/server-api.md "Dashboard"), as SQL both
 * adapters run unchanged: authorizations by device, card, decision, reason, time range and free
 * text; their decline reasons; threats aggregated per device and code; devices and cards by free
 * text. Each builder turns a filter into one statement with `?` placeholders (the PostgreSQL
 * adapter numbers them) and never puts a value into the SQL text. Free text matches
 * case-insensitively as a substring (`LOWER(col) LIKE ? ESCAPE '\'`, the pattern's own `%`, `_`
 * and `\` escaped); four digits also match a token PAN's last four, and a masked PAN
 * (`489537******1234`) its first six and last four: a full PAN is never a search term (the route
 * refuses it, so it reaches no log).
 */
import type { AuthorizationSummary } from '../domain/authorizations.js';
import type { FiredRule, RiskOutcome } from '../domain/risk-decisions.js';
import type { ThreatRow } from '../domain/threats.js';

/** Free text as the searches match it. */
export interface TextSearch {
  /** The text as typed (trimmed); matched case-insensitively as a substring. */
  text: string;
  /** Decline reasons whose explanation mentions the text (the dashboard's table); matched exactly. */
  reasons?: readonly string[];
}

/** What `Store.dashboardAuthorizations` and `Store.dashboardDeclineReasons` select. */
export interface AuthorizationSearch {
  /** At most this many rows, newest first (ignored by the decline reasons). */
  limit: number;
  /** The device stored with the authorization, else the one its card is bound to. */
  deviceId?: string;
  cardId?: string;
  decision?: AuthorizationSummary['decision'];
  reason?: string;
  /** Created at or after this time (epoch ms). */
  from?: number;
  /** Created at or before this time (epoch ms). */
  to?: number;
  search?: TextSearch;
}

/** An authorization as the dashboard lists it: the summary, where it happened, its card's PAN. */
export interface DashboardAuthorizationRow extends AuthorizationSummary {
  merchantId: string | null;
  terminalId: string | null;
  /** The device stored with it, else the one its card is bound to now (rows before migration 7). */
  deviceId: string | null;
  /** The card's token PAN, for the view to mask; never sent as is. */
  tokenPan: string | null;
  /** The fraud engine's decision on it, when it was asked. */
  risk: { score: number; outcome: RiskOutcome; reason: string; rules: FiredRule[] } | null;
}

/** What `Store.threatFindings` selects. */
export interface FindingSearch {
  limit: number;
  deviceId?: string;
  /** Received at or after / at or before (epoch ms). */
  from?: number;
  to?: number;
  search?: TextSearch;
}

/** The threats of one code reported by one device: how often, first and last, and the last one. */
export interface ThreatFinding {
  deviceId: string;
  code: string;
  count: number;
  firstSeen: number;
  lastSeen: number;
  /** The last threat of the group (its class, severity, reaction, evidence, seq). */
  last: ThreatRow;
}

/** What `Store.searchDevices` and `Store.searchCards` select. */
export interface InventorySearch {
  limit: number;
  deviceId?: string;
  cardId?: string;
  search?: TextSearch;
}

/** One statement and its parameters. */
export interface Query {
  sql: string;
  params: unknown[];
}

/** `%text%` for LIKE, lowercased, with LIKE's own characters escaped. */
export function likePattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

const LIKE = "LIKE ? ESCAPE '\\'";

/** The token PAN conditions free text stands for, if any (`col` is the token PAN column). */
function panMatch(col: string, text: string): Query | undefined {
  if (/^[0-9]{4}$/.test(text)) return { sql: `${col} LIKE ?`, params: [`%${text}`] };
  const masked = /^([0-9]{6})[*•xX]+([0-9]{4})$/.exec(text);
  if (masked)
    return {
      sql: `(${col} LIKE ? AND LENGTH(${col}) = ?)`,
      params: [`${masked[1]}%${masked[2]}`, text.length],
    };
  return undefined;
}

/** `(LOWER(a) LIKE ? OR LOWER(b) LIKE ? …)` over `columns`, plus PAN and reason matches. */
function textMatch(columns: string[], s: TextSearch, pan?: string, reasonCol?: string): Query {
  const like = likePattern(s.text);
  const parts = columns.map((c) => `LOWER(${c}) ${LIKE}`);
  const params: unknown[] = columns.map(() => like);
  const p = pan ? panMatch(pan, s.text) : undefined;
  if (p) {
    parts.push(p.sql);
    params.push(...p.params);
  }
  if (reasonCol && s.reasons && s.reasons.length > 0) {
    parts.push(`${reasonCol} IN (${s.reasons.map(() => '?').join(', ')})`);
    params.push(...s.reasons);
  }
  return { sql: `(${parts.join(' OR ')})`, params };
}

/** The WHERE clause of an authorization search (aliases `a` authorizations, `c` cards). */
function authorizationWhere(f: AuthorizationSearch, declinesOnly = false): Query {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, ...p: unknown[]) => {
    where.push(sql);
    params.push(...p);
  };
  if (f.deviceId !== undefined) add('COALESCE(a.device_id, c.device_id) = ?', f.deviceId);
  if (f.cardId !== undefined) add('a.card_id = ?', f.cardId);
  if (declinesOnly) add("a.decision = 'DECLINE'");
  else if (f.decision !== undefined) add('a.decision = ?', f.decision);
  if (f.reason !== undefined) add('a.reason = ?', f.reason);
  if (f.from !== undefined) add('a.created_at >= ?', f.from);
  if (f.to !== undefined) add('a.created_at <= ?', f.to);
  if (f.search) {
    const t = textMatch(
      [
        'a.id',
        'a.card_id',
        'COALESCE(a.device_id, c.device_id)',
        'a.merchant_id',
        'a.terminal_id',
        'a.reason',
      ],
      f.search,
      'c.token_pan',
      'a.reason',
    );
    add(t.sql, ...t.params);
  }
  return { sql: where.length > 0 ? `WHERE ${where.join(' AND ')}` : '', params };
}

/** The authorizations of a search, newest first, with their card's token PAN and device. */
export function authorizationSearchQuery(f: AuthorizationSearch): Query {
  const w = authorizationWhere(f);
  return {
    sql: `SELECT a.id, a.card_id, a.atc, a.amount, a.currency, a.decision, a.reason, a.created_at,
        a.merchant_id, a.terminal_id, COALESCE(a.device_id, c.device_id) AS device_id, c.token_pan
      FROM authorizations a LEFT JOIN cards c ON c.card_id = a.card_id
      ${w.sql}
      ORDER BY a.created_at DESC, a.id LIMIT ?`,
    params: [...w.params, f.limit],
  };
}

/** The decline reasons of a search's declines and their counts, most frequent first. */
export function declineReasonsQuery(f: AuthorizationSearch): Query {
  const w = authorizationWhere(f, true);
  return {
    sql: `SELECT a.reason, COUNT(*) AS n
      FROM authorizations a LEFT JOIN cards c ON c.card_id = a.card_id
      ${w.sql}
      GROUP BY a.reason ORDER BY COUNT(*) DESC, a.reason`,
    params: w.params,
  };
}

/** The fraud decisions of these authorizations (one each at most). */
export function decisionsOfQuery(authorizationIds: readonly string[]): Query {
  return {
    sql: `SELECT authorization_id, score, outcome, reason, rules FROM risk_decisions
      WHERE authorization_id IN (${authorizationIds.map(() => '?').join(', ')})`,
    params: [...authorizationIds],
  };
}

/**
 * Threats grouped by device and code: the count, first and last time received, and the last
 * threat's row (its class, severity, reaction and evidence), the most recently seen first.
 */
export function findingsQuery(f: FindingSearch): Query {
  const where: string[] = [];
  const params: unknown[] = [];
  if (f.deviceId !== undefined) {
    where.push('device_id = ?');
    params.push(f.deviceId);
  }
  if (f.from !== undefined) {
    where.push('received_at >= ?');
    params.push(f.from);
  }
  if (f.to !== undefined) {
    where.push('received_at <= ?');
    params.push(f.to);
  }
  if (f.search) {
    const t = textMatch(['device_id', 'code', 'class', 'severity'], f.search);
    where.push(t.sql);
    params.push(...t.params);
  }
  const w = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  return {
    sql: `SELECT g.n, g.first_seen, g.last_seen, t.*
      FROM (SELECT device_id, code, COUNT(*) AS n, MIN(received_at) AS first_seen,
              MAX(received_at) AS last_seen, MAX(id) AS last_id
            FROM threats ${w} GROUP BY device_id, code) g
      JOIN threats t ON t.id = g.last_id
      ORDER BY g.last_seen DESC, g.last_id DESC LIMIT ?`,
    params: [...params, f.limit],
  };
}

/** Devices by id or free text (id, protection level), newest enrollment first. */
export function deviceSearchQuery(f: InventorySearch): Query {
  const where: string[] = [];
  const params: unknown[] = [];
  if (f.deviceId !== undefined) {
    where.push('device_id = ?');
    params.push(f.deviceId);
  }
  if (f.search) {
    const t = textMatch(['device_id', 'protection_level'], f.search);
    where.push(t.sql);
    params.push(...t.params);
  }
  const w = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  return {
    sql: `SELECT * FROM devices ${w} ORDER BY enrolled_at DESC, device_id LIMIT ?`,
    params: [...params, f.limit],
  };
}

/** Cards by device, id or free text (id, device, status, token PAN last four), newest first. */
export function cardSearchQuery(f: InventorySearch): Query {
  const where: string[] = [];
  const params: unknown[] = [];
  if (f.deviceId !== undefined) {
    where.push('device_id = ?');
    params.push(f.deviceId);
  }
  if (f.cardId !== undefined) {
    where.push('card_id = ?');
    params.push(f.cardId);
  }
  if (f.search) {
    const t = textMatch(['card_id', 'device_id', 'status'], f.search, 'token_pan');
    where.push(t.sql);
    params.push(...t.params);
  }
  const w = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  return {
    sql: `SELECT * FROM cards ${w} ORDER BY created_at DESC, card_id LIMIT ?`,
    params: [...params, f.limit],
  };
}
