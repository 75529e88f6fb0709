/**
 * The threat-intelligence dashboard (docs/fraud-engine.md "Dashboard"): GET /dashboard serves one
 * static page, its script and its style sheet (no framework, no CDN, a strict CSP: everything
 * from this origin, no inline script or style), and read-only JSON under /v1/dashboard/*. The
 * page polls every second rather than holding a server-sent-events stream: behind a load
 * balancer on PostgreSQL any instance answers with the same data, and server close never waits
 * for a long-lived connection. Nothing here writes; token PANs appear as their last four digits.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { errorResponses } from '../http/schemas.js';
import { currentPolicy } from '../threats/policy.js';
import { activeThreatSchema, riskViewSchema } from '../threats/schemas.js';
import { riskView } from '../threats/state.js';

export const DASHBOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const ASSETS = {
  'index.html': 'text/html',
  'app.js': 'text/javascript',
  'app.css': 'text/css',
  'favicon.svg': 'image/svg+xml',
} as const;
type AssetName = keyof typeof ASSETS;

function loadAssets(): Record<AssetName, string> {
  // Next to the compiled module when a build copies them, else the source tree (dist/src/… → src/…).
  const candidates = [
    new URL('./static/', import.meta.url),
    new URL('../../../src/dashboard/static/', import.meta.url),
  ];
  for (const dir of candidates) {
    try {
      const out = {} as Record<AssetName, string>;
      for (const name of Object.keys(ASSETS) as AssetName[])
        out[name] = readFileSync(fileURLToPath(new URL(name, dir)), 'utf8');
      return out;
    } catch {
      // try the next place
    }
  }
  throw new Error('dashboard: static assets not found');
}

const limitQuery = (extra: Record<string, unknown> = {}) =>
  ({
    type: 'object',
    additionalProperties: false,
    properties: { limit: { type: 'string', pattern: '^[0-9]{1,4}$' }, ...extra },
  }) as const;

const limitOf = (q: { limit?: string }, def: number, max: number) =>
  Math.min(Math.max(Number(q.limit ?? def), 1), max);

const authorizationSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'cardId', 'atc', 'amount', 'currency', 'decision', 'reason', 'createdAt'],
  properties: {
    id: { type: 'string' },
    cardId: { type: ['string', 'null'] },
    atc: { type: ['integer', 'null'] },
    amount: { type: 'integer' },
    currency: { type: 'string' },
    decision: { type: 'string', enum: ['APPROVE', 'DECLINE'] },
    reason: { type: 'string' },
    createdAt: { type: 'integer' },
  },
} as const;

const reasonCountsSchema = {
  type: 'array',
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['reason', 'count'],
    properties: { reason: { type: 'string' }, count: { type: 'integer' } },
  },
} as const;

const evidenceSchema = {
  type: 'object',
  additionalProperties: { type: ['string', 'number', 'boolean', 'null'] },
} as const;

const decisionSchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'id',
    'context',
    'deviceId',
    'cardId',
    'authorizationId',
    'score',
    'outcome',
    'reason',
    'rules',
    'createdAt',
  ],
  properties: {
    id: { type: 'string' },
    context: { type: 'string', enum: ['authorization', 'provision', 'replenish', 'enroll'] },
    deviceId: { type: ['string', 'null'] },
    cardId: { type: ['string', 'null'] },
    authorizationId: { type: ['string', 'null'] },
    score: { type: 'integer' },
    outcome: { type: 'string', enum: ['approve', 'step_up', 'decline'] },
    reason: { type: 'string' },
    rules: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['rule', 'typology', 'weight', 'evidence'],
        properties: {
          rule: { type: 'string' },
          typology: { type: 'string' },
          weight: { type: 'integer' },
          evidence: evidenceSchema,
        },
      },
    },
    createdAt: { type: 'integer' },
  },
} as const;

const DAY = 86_400_000;

export async function dashboardRoutes(app: FastifyInstance): Promise<void> {
  const s = app.services;
  const assets = loadAssets();

  const serve = (url: string, name: AssetName) =>
    app.get(url, { schema: { hide: true } }, async (_req, reply) =>
      reply
        .header('content-type', `${ASSETS[name]}; charset=utf-8`)
        .header('content-security-policy', DASHBOARD_CSP)
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
        .header('x-frame-options', 'DENY')
        .header('cache-control', 'no-store')
        .send(assets[name]),
    );
  serve('/dashboard', 'index.html');
  serve('/dashboard/app.js', 'app.js');
  serve('/dashboard/app.css', 'app.css');
  serve('/dashboard/favicon.svg', 'favicon.svg');

  app.get(
    '/v1/dashboard/overview',
    {
      schema: {
        tags: ['dashboard'],
        summary: 'Counts: devices by risk state, authorizations and decline reasons, threats (24 h)',
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['now', 'devices', 'authorizations', 'declineReasons', 'threats24h', 'policyVersion'],
            properties: {
              now: { type: 'integer' },
              devices: {
                type: 'object',
                additionalProperties: false,
                required: ['total', 'clean', 'suspicious', 'compromised', 'silent'],
                properties: {
                  total: { type: 'integer' },
                  clean: { type: 'integer' },
                  suspicious: { type: 'integer' },
                  compromised: { type: 'integer' },
                  silent: { type: 'integer' },
                },
              },
              authorizations: {
                type: 'object',
                additionalProperties: false,
                required: ['approved', 'declined'],
                properties: { approved: { type: 'integer' }, declined: { type: 'integer' } },
              },
              declineReasons: reasonCountsSchema,
              threats24h: { type: 'integer' },
              policyVersion: { type: 'integer' },
            },
          },
          ...errorResponses,
        },
      },
    },
    async () => {
      const now = s.clock.now();
      const policy = await currentPolicy(s.store);
      const risks = new Map((await s.store.listDeviceRisk()).map((r) => [r.deviceId, r]));
      const devices = { total: 0, clean: 0, suspicious: 0, compromised: 0, silent: 0 };
      for (const d of await s.store.listDevices(10_000)) {
        const v = riskView(d.deviceId, risks.get(d.deviceId), policy, now);
        devices.total++;
        devices[v.state]++;
        if (v.silent) devices.silent++;
      }
      return {
        now,
        devices,
        authorizations: await s.store.authorizationCounts(now - DAY),
        declineReasons: await s.store.declineReasons(now - DAY),
        threats24h: (await s.store.listThreats({ since: now - DAY, limit: 10_000 })).length,
        policyVersion: policy.version,
      };
    },
  );

  app.get(
    '/v1/dashboard/devices',
    {
      schema: {
        tags: ['dashboard'],
        summary: 'Devices with their risk state, active threats, last heartbeat and report, cards',
        querystring: limitQuery(),
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['devices'],
            properties: {
              devices: {
                type: 'array',
                items: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['deviceId', 'protectionLevel', 'enrolledAt', 'risk', 'cards'],
                  properties: {
                    deviceId: { type: 'string' },
                    protectionLevel: { type: 'string' },
                    enrolledAt: { type: 'integer' },
                    risk: riskViewSchema,
                    cards: { type: 'array', items: { type: 'string' } },
                  },
                },
              },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const now = s.clock.now();
      const policy = await currentPolicy(s.store);
      const risks = new Map((await s.store.listDeviceRisk()).map((r) => [r.deviceId, r]));
      const cards = await s.store.listCards(10_000);
      const devices = await s.store.listDevices(limitOf(req.query as { limit?: string }, 200, 1000));
      return {
        devices: devices.map((d) => ({
          deviceId: d.deviceId,
          protectionLevel: d.protectionLevel,
          enrolledAt: d.enrolledAt,
          risk: riskView(d.deviceId, risks.get(d.deviceId), policy, now),
          cards: cards.filter((c) => c.deviceId === d.deviceId).map((c) => c.cardId),
        })),
      };
    },
  );

  app.get(
    '/v1/dashboard/threats',
    {
      schema: {
        tags: ['dashboard'],
        summary: 'The live threat feed: the latest threats received, newest first',
        querystring: limitQuery(),
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['threats'],
            properties: {
              threats: {
                type: 'array',
                items: {
                  type: 'object',
                  additionalProperties: false,
                  required: [
                    ...activeThreatSchema.required,
                    'id',
                    'deviceId',
                    'seq',
                    'evidence',
                    'receivedAt',
                  ],
                  properties: {
                    ...activeThreatSchema.properties,
                    id: { type: 'integer' },
                    deviceId: { type: 'string' },
                    seq: { type: 'integer' },
                    evidence: evidenceSchema,
                    receivedAt: { type: 'integer' },
                  },
                },
              },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const rows = await s.store.listThreats({ limit: limitOf(req.query as { limit?: string }, 50, 500) });
      return {
        threats: rows.map((t) => ({
          id: t.id ?? 0,
          deviceId: t.deviceId,
          seq: t.seq,
          class: t.class,
          code: t.code,
          severity: t.severity,
          reaction: t.reaction,
          evidence: JSON.parse(t.evidence) as Record<string, unknown>,
          detectedAt: t.detectedAt,
          receivedAt: t.receivedAt,
        })),
      };
    },
  );

  app.get(
    '/v1/dashboard/threats/timeline',
    {
      schema: {
        tags: ['dashboard'],
        summary: 'Threats by class over time (counts per bucket)',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            minutes: { type: 'string', pattern: '^[0-9]{1,4}$' },
            buckets: { type: 'string', pattern: '^[0-9]{1,3}$' },
          },
        },
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['from', 'to', 'bucketMs', 'buckets', 'series'],
            properties: {
              from: { type: 'integer' },
              to: { type: 'integer' },
              bucketMs: { type: 'integer' },
              buckets: { type: 'integer' },
              series: {
                type: 'array',
                items: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['class', 'counts'],
                  properties: {
                    class: { type: 'string' },
                    counts: { type: 'array', items: { type: 'integer' } },
                  },
                },
              },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const q = req.query as { minutes?: string; buckets?: string };
      const minutes = Math.min(Math.max(Number(q.minutes ?? 60), 1), 7 * 24 * 60);
      const n = Math.min(Math.max(Number(q.buckets ?? 30), 1), 500);
      const to = s.clock.now();
      const from = to - minutes * 60_000;
      const bucketMs = Math.ceil((to - from) / n);
      const series = new Map<string, number[]>();
      for (const t of await s.store.listThreats({ since: from, limit: 50_000 })) {
        const i = Math.min(n - 1, Math.floor((t.receivedAt - from) / bucketMs));
        let counts = series.get(t.class);
        if (!counts) {
          counts = new Array<number>(n).fill(0);
          series.set(t.class, counts);
        }
        counts[i] = (counts[i] ?? 0) + 1;
      }
      return {
        from,
        to,
        bucketMs,
        buckets: n,
        series: [...series]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([cls, counts]) => ({ class: cls, counts })),
      };
    },
  );

  app.get(
    '/v1/dashboard/authorizations',
    {
      schema: {
        tags: ['dashboard'],
        summary: 'Latest authorizations (approved and declined, with reasons) and decline reasons (24 h)',
        querystring: limitQuery(),
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['authorizations', 'declineReasons'],
            properties: {
              authorizations: { type: 'array', items: authorizationSchema },
              declineReasons: reasonCountsSchema,
            },
          },
          ...errorResponses,
        },
      },
    },
    async (req) => ({
      authorizations: await s.store.recentAuthorizations(limitOf(req.query as { limit?: string }, 50, 1000)),
      declineReasons: await s.store.declineReasons(s.clock.now() - DAY),
    }),
  );

  app.get(
    '/v1/dashboard/decisions',
    {
      schema: {
        tags: ['dashboard'],
        summary: 'Fraud engine decisions with the rules that fired, their weights and evidence',
        querystring: limitQuery({
          context: { type: 'string', enum: ['authorization', 'provision', 'replenish', 'enroll'] },
          authorizationId: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
          deviceId: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,256}$' },
          cardId: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
        }),
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['decisions'],
            properties: { decisions: { type: 'array', items: decisionSchema } },
          },
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const q = req.query as {
        limit?: string;
        context?: 'authorization' | 'provision' | 'replenish' | 'enroll';
        authorizationId?: string;
        deviceId?: string;
        cardId?: string;
      };
      return {
        decisions: await s.store.listRiskDecisions({
          limit: limitOf(q, 50, 1000),
          ...(q.context ? { context: q.context } : {}),
          ...(q.authorizationId ? { authorizationId: q.authorizationId } : {}),
          ...(q.deviceId ? { deviceId: q.deviceId } : {}),
          ...(q.cardId ? { cardId: q.cardId } : {}),
        }),
      };
    },
  );

  app.get(
    '/v1/dashboard/cards',
    {
      schema: {
        tags: ['dashboard'],
        summary: "Each card's key inventory: credentials left, replenishments, current LUK / SUKs",
        querystring: limitQuery(),
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['cards'],
            properties: {
              cards: {
                type: 'array',
                items: {
                  type: 'object',
                  additionalProperties: false,
                  required: [
                    'cardId',
                    'tokenPanLast4',
                    'profile',
                    'cardType',
                    'status',
                    'deviceId',
                    'credentialsLeft',
                    'replenishments',
                    'luk',
                    'suks',
                  ],
                  properties: {
                    cardId: { type: 'string' },
                    tokenPanLast4: { type: 'string' },
                    profile: { type: 'string', enum: ['V', 'M'] },
                    cardType: { type: 'string', enum: ['cloud', 'plain'] },
                    status: { type: 'string' },
                    deviceId: { type: ['string', 'null'] },
                    credentialsLeft: { type: ['integer', 'null'] },
                    replenishments: { type: 'integer' },
                    luk: {
                      type: ['object', 'null'],
                      additionalProperties: false,
                      required: [
                        'api',
                        'usedCount',
                        'maxTransactions',
                        'usedAmount',
                        'maxAmount',
                        'notAfter',
                      ],
                      properties: {
                        api: { type: 'string' },
                        usedCount: { type: 'integer' },
                        maxTransactions: { type: 'integer' },
                        usedAmount: { type: 'integer' },
                        maxAmount: { type: 'integer' },
                        notAfter: { type: 'integer' },
                      },
                    },
                    suks: {
                      type: 'object',
                      additionalProperties: false,
                      required: ['unused', 'used', 'discarded'],
                      properties: {
                        unused: { type: 'integer' },
                        used: { type: 'integer' },
                        discarded: { type: 'integer' },
                      },
                    },
                  },
                },
              },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const out = [];
      for (const c of await s.store.listCards(limitOf(req.query as { limit?: string }, 200, 1000))) {
        const inv = await s.store.cardInventory(c.cardId);
        if (!inv) continue;
        const current = inv.luks.find((l) => l.retiredAt === null) ?? null;
        const credentialsLeft =
          c.cardType === 'plain'
            ? null
            : c.profile === 'V'
              ? current
                ? Math.max(0, current.maxTransactions - current.usedCount)
                : 0
              : inv.suks.unused;
        out.push({
          cardId: c.cardId,
          tokenPanLast4: c.tokenPan.slice(-4),
          profile: c.profile,
          cardType: c.cardType,
          status: c.status,
          deviceId: c.deviceId,
          credentialsLeft,
          replenishments: Math.max(0, inv.credentialMessages - 1),
          luk: current && {
            api: current.api,
            usedCount: current.usedCount,
            maxTransactions: current.maxTransactions,
            usedAmount: current.usedAmount,
            maxAmount: current.maxAmount,
            notAfter: current.notAfter,
          },
          suks: inv.suks,
        });
      }
      return { cards: out };
    },
  );
}
