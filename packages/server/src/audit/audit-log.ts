/**
 * The audit log (docs/server-api.md "Operators"): every operator and issuer action — sign-in
 * (success and failure) and sign-out, fleet policy proposed, approved (or set, in open
 * development mode), card lifecycle actions, reads of the issuer key inventory and of a card's
 * full token PAN by the issuer — one row in `audit_log`, written before the answer leaves
 * (an `onSend` hook: an action that cannot be audited is not acknowledged). Who (the session's
 * operator or the access token's subject), as what role, what, on what, the outcome and HTTP
 * status, the client address and request id. Refusals of an authenticated caller (403) are
 * recorded; malformed requests (400, 413, 415 …: nothing happened) and anonymous 401s are not.
 * The table has no update or delete path (storage/operator-store.ts; triggers refuse both).
 * `GET /v1/dashboard/audit` shows it to any operator.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ANY_OPERATOR, Caller } from '../auth/callers.js';
import { errorResponses } from '../http/schemas.js';
import type { AuditRow } from '../storage/operator-store.js';

/** What a handler adds to its request's audit entry. */
export interface AuditNote {
  /** Replaces the route's action name. */
  action?: string;
  target?: string;
  /** Who, when the request is not authenticated (sign-in). */
  actor?: string;
  role?: string;
  detail?: Record<string, unknown>;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by a handler to enrich (or name) the request's audit entry. */
    audit?: AuditNote;
  }
}

type Params = Record<string, string | undefined>;
interface Audited {
  action: string;
  target?: (p: Params) => string | undefined;
  /** Only for these callers (default: whoever the route serves). */
  only?: (req: FastifyRequest) => boolean;
}

const card = (p: Params) => p.cardId;
/** The audited routes, by `METHOD url`. */
const AUDITED: Record<string, Audited> = {
  'POST /v1/cards/:cardId/suspend': { action: 'card.suspend', target: card },
  'POST /v1/cards/:cardId/resume': { action: 'card.resume', target: card },
  'POST /v1/cards/:cardId/delete': { action: 'card.delete', target: card },
  'GET /v1/cards/:cardId': {
    action: 'card.read',
    target: card,
    only: (req) => req.tokenCaller?.callers.includes(Caller.ISSUER) === true,
  },
  'GET /v1/issuer/keys': { action: 'keys.read' },
  'POST /v1/devices/:deviceId/reset': { action: 'device.reset', target: (p) => p.deviceId },
  'POST /v1/policy': { action: 'policy.propose' },
  'POST /v1/policy/changes/:changeId/approve': { action: 'policy.approve', target: (p) => p.changeId },
  'POST /v1/operator/sign-in': { action: 'operator.sign-in' },
  'POST /v1/operator/sign-out': { action: 'operator.sign-out' },
};

/** Statuses that mean the request was malformed or never reached its action: not audited. */
const NOT_AUDITED = new Set([400, 404, 405, 408, 413, 414, 415, 431]);

/** Who made the request, for the log. */
function actorOf(req: FastifyRequest, open: boolean): { actor: string; role: string | null } {
  if (req.operator) return { actor: `operator:${req.operator.username}`, role: req.operator.role };
  if (req.tokenCaller)
    return { actor: `token:${req.tokenCaller.subject}`, role: req.tokenCaller.callers.join(' ') || null };
  if (req.audit?.actor) return { actor: req.audit.actor, role: req.audit.role ?? null };
  return { actor: open ? 'anonymous (open development mode)' : 'unidentified', role: null };
}

/** Installs the audit hook (before the routes are registered, so that it applies to all). */
export function installAuditLog(app: FastifyInstance, open: boolean): void {
  app.addHook('onSend', async (req, reply, payload) => {
    const url = req.routeOptions.url;
    const audited = url ? AUDITED[`${req.method} ${url}`] : undefined;
    if (!audited || (audited.only && !audited.only(req))) return payload;
    const status = reply.statusCode;
    if (NOT_AUDITED.has(status)) return payload;
    // An anonymous 401 is noise (every scanner); a failed sign-in is not.
    if (status === 401 && audited.action !== 'operator.sign-in') return payload;
    const { actor, role } = actorOf(req, open);
    const params = (req.params ?? {}) as Params;
    const row: AuditRow = {
      at: app.services.clock.now(),
      actor,
      role,
      action: req.audit?.action ?? audited.action,
      target: req.audit?.target ?? audited.target?.(params) ?? null,
      outcome: status < 400 ? 'ok' : status === 401 || status === 403 ? 'refused' : 'failed',
      status,
      detail: JSON.stringify(req.audit?.detail ?? {}),
      ip: req.ip ?? null,
      requestId: String(req.id),
    };
    await app.services.store.operators.appendAudit(row);
    return payload;
  });
}

const entrySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'at', 'actor', 'role', 'action', 'target', 'outcome', 'status', 'detail'],
  properties: {
    id: { type: 'integer' },
    at: { type: 'integer' },
    actor: { type: 'string' },
    role: { type: ['string', 'null'] },
    action: { type: 'string' },
    target: { type: ['string', 'null'] },
    outcome: { type: 'string', enum: ['ok', 'refused', 'failed'] },
    status: { type: 'integer' },
    detail: { type: 'object', additionalProperties: true },
    ip: { type: ['string', 'null'] },
  },
} as const;

interface AuditQuery {
  limit?: string;
  before?: string;
  action?: string;
}

/** GET /v1/dashboard/audit: the log, newest first (any operator). */
export async function auditRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: AuditQuery }>(
    '/v1/dashboard/audit',
    {
      config: { callers: ANY_OPERATOR },
      schema: {
        tags: ['dashboard'],
        summary: 'The audit log of operator and issuer actions, newest first (append-only)',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            limit: { type: 'string', pattern: '^[0-9]{1,4}$' },
            before: { type: 'string', pattern: '^[0-9]{1,15}$' },
            action: { type: 'string', pattern: '^[a-z.-]{1,40}$' },
          },
        },
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['entries'],
            properties: { entries: { type: 'array', items: entrySchema } },
          },
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const q = req.query;
      const rows = await app.services.store.operators.listAudit({
        limit: Math.min(Math.max(Number(q.limit ?? 100), 1), 1000),
        ...(q.before ? { beforeId: Number(q.before) } : {}),
        ...(q.action ? { action: q.action } : {}),
      });
      return {
        entries: rows.map(({ detail, requestId: _r, ...r }) => ({ ...r, detail: JSON.parse(detail) })),
      };
    },
  );
}
