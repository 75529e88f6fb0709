/**
 * The threat-intelligence dashboard's routes (docs/fraud-engine.md "Dashboard"): GET /dashboard
 * serves one static page, its script and its style sheet under a strict CSP (assets.ts), and
 * read-only JSON under /v1/dashboard/* (schemas.ts) computed from store rows (views.ts), and the
 * server's events as server-sent events (event-stream.ts): the page refreshes when an event
 * arrives (with NATS, from any instance) and every 15 s regardless. Nothing here writes.
 */

import type { FastifyInstance } from 'fastify';
import { ANY_OPERATOR, Caller } from '../auth/callers.js';
import { errorResponses } from '../http/schemas.js';
import { currentPolicy } from '../threats/policy-versions.js';
import { ASSETS, type AssetName, DASHBOARD_CSP, loadAssets } from './assets.js';
import { dashboardEventStream } from './event-stream.js';
import {
  authorizationsResponse,
  cardsResponse,
  type DecisionsQuery,
  decisionsQuery,
  decisionsResponse,
  devicesResponse,
  type LimitQuery,
  limitQuery,
  overviewResponse,
  type TimelineQuery,
  threatsResponse,
  timelineQuery,
  timelineResponse,
} from './schemas.js';
import {
  type CardSummary,
  countDevices,
  summarizeCard,
  summarizeDevices,
  threatFeedItem,
  threatTimeline,
} from './views.js';

const DAY = 86_400_000;

/** `?limit=` within [1, max], `def` when absent. */
const limitOf = (q: LimitQuery, def: number, max: number) =>
  Math.min(Math.max(Number(q.limit ?? def), 1), max);

/** Registers the dashboard's page, assets and JSON routes. */
export async function dashboardRoutes(app: FastifyInstance): Promise<void> {
  const s = app.services;
  const assets = loadAssets();

  const serve = (url: string, name: AssetName) =>
    app.get(url, { config: { callers: [Caller.PUBLIC] }, schema: { hide: true } }, async (_req, reply) =>
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
  dashboardEventStream(app);

  app.get(
    '/v1/dashboard/overview',
    {
      config: { callers: ANY_OPERATOR },
      schema: {
        tags: ['dashboard'],
        summary: 'Counts: devices by risk state, authorizations and decline reasons, threats (24 h)',
        response: { 200: overviewResponse, ...errorResponses },
      },
    },
    async () => {
      const now = s.clock.now();
      const policy = await currentPolicy(s.store);
      const risks = await s.store.listDeviceRisk();
      const devices = countDevices(await s.store.listDevices(10_000), risks, policy, now);
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

  app.get<{ Querystring: LimitQuery }>(
    '/v1/dashboard/devices',
    {
      config: { callers: ANY_OPERATOR },
      schema: {
        tags: ['dashboard'],
        summary: 'Devices with their risk state, active threats, last heartbeat and report, cards',
        querystring: limitQuery(),
        response: { 200: devicesResponse, ...errorResponses },
      },
    },
    async (req) => {
      const now = s.clock.now();
      const policy = await currentPolicy(s.store);
      const risks = await s.store.listDeviceRisk();
      const cards = await s.store.listCards(10_000);
      const devices = await s.store.listDevices(limitOf(req.query, 200, 1000));
      return { devices: summarizeDevices(devices, risks, cards, policy, now) };
    },
  );

  app.get<{ Querystring: LimitQuery }>(
    '/v1/dashboard/threats',
    {
      config: { callers: ANY_OPERATOR },
      schema: {
        tags: ['dashboard'],
        summary: 'The live threat feed: the latest threats received, newest first',
        querystring: limitQuery(),
        response: { 200: threatsResponse, ...errorResponses },
      },
    },
    async (req) => {
      const rows = await s.store.listThreats({ limit: limitOf(req.query, 50, 500) });
      return { threats: rows.map(threatFeedItem) };
    },
  );

  app.get<{ Querystring: TimelineQuery }>(
    '/v1/dashboard/threats/timeline',
    {
      config: { callers: ANY_OPERATOR },
      schema: {
        tags: ['dashboard'],
        summary: 'Threats by class over time (counts per bucket)',
        querystring: timelineQuery,
        response: { 200: timelineResponse, ...errorResponses },
      },
    },
    async (req) => {
      const minutes = Math.min(Math.max(Number(req.query.minutes ?? 60), 1), 7 * 24 * 60);
      const buckets = Math.min(Math.max(Number(req.query.buckets ?? 30), 1), 500);
      const to = s.clock.now();
      const from = to - minutes * 60_000;
      return threatTimeline(await s.store.listThreats({ since: from, limit: 50_000 }), from, to, buckets);
    },
  );

  app.get<{ Querystring: LimitQuery }>(
    '/v1/dashboard/authorizations',
    {
      config: { callers: ANY_OPERATOR },
      schema: {
        tags: ['dashboard'],
        summary: 'Latest authorizations (approved and declined, with reasons) and decline reasons (24 h)',
        querystring: limitQuery(),
        response: { 200: authorizationsResponse, ...errorResponses },
      },
    },
    async (req) => ({
      authorizations: await s.store.recentAuthorizations(limitOf(req.query, 50, 1000)),
      declineReasons: await s.store.declineReasons(s.clock.now() - DAY),
    }),
  );

  app.get<{ Querystring: DecisionsQuery }>(
    '/v1/dashboard/decisions',
    {
      config: { callers: ANY_OPERATOR },
      schema: {
        tags: ['dashboard'],
        summary: 'Fraud engine decisions with the rules that fired, their weights and evidence',
        querystring: decisionsQuery,
        response: { 200: decisionsResponse, ...errorResponses },
      },
    },
    async (req) => {
      const q = req.query;
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

  app.get<{ Querystring: LimitQuery }>(
    '/v1/dashboard/cards',
    {
      config: { callers: ANY_OPERATOR },
      schema: {
        tags: ['dashboard'],
        summary: "Each card's key inventory: credentials left, replenishments, current LUK / SUKs",
        querystring: limitQuery(),
        response: { 200: cardsResponse, ...errorResponses },
      },
    },
    async (req) => {
      const cards: CardSummary[] = [];
      for (const c of await s.store.listCards(limitOf(req.query, 200, 1000))) {
        const inv = await s.store.cardInventory(c.cardId);
        if (inv) cards.push(summarizeCard(c, inv));
      }
      return { cards };
    },
  );
}
