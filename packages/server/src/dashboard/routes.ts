/**
 * The analysts' dashboard's routes (docs/dashboard.md; docs/server-api.md "Dashboard";
 * docs/fraud-engine.md "Dashboard"): GET /dashboard serves one static page, its script and its
 * style sheet under a strict CSP (assets.ts), read-only JSON under /v1/dashboard/* (schemas.ts)
 * computed from store rows (views.ts) with the filters the page sends (device, card, decision,
 * reason, time range, free text; validated by the routes' querystring schemas, so a bad value is a
 * 400 `ERR_VALIDATION`, never a 500), one device's detail (its cards, threats, authorizations and
 * fraud decisions), and the server's events as server-sent events (event-stream.ts): the page
 * reloads what an event concerns when it arrives, and only falls back to a slow refresh when the
 * stream is down. Nothing here writes.
 */

import { ApiErrorCode } from '@openvse/protocol';
import type { FastifyInstance } from 'fastify';
import { ANY_OPERATOR, Caller } from '../auth/callers.js';
import { ServerError } from '../errors.js';
import { type DeviceParams, deviceParams, errorResponses } from '../http/schemas.js';
import type { AuthorizationSearch, TextSearch } from '../storage/dashboard-queries.js';
import { currentPolicy } from '../threats/policy-versions.js';
import { ASSETS, type AssetName, DASHBOARD_CSP, loadAssets } from './assets.js';
import { dashboardEventStream } from './event-stream.js';
import { reasonsMatching } from './explanations.js';
import {
  type AuthorizationsQuery,
  authorizationsQuery,
  authorizationsResponse,
  type CardsQuery,
  cardsQuery,
  cardsResponse,
  type DecisionsQuery,
  type DevicesQuery,
  decisionsQuery,
  decisionsResponse,
  deviceDetailResponse,
  devicesQuery,
  devicesResponse,
  findingsResponse,
  type LimitQuery,
  limitQuery,
  noQuery,
  overviewResponse,
  type RangeQuery,
  type ThreatsQuery,
  type TimelineQuery,
  threatsQuery,
  threatsResponse,
  timelineQuery,
  timelineResponse,
} from './schemas.js';
import {
  authorizationItem,
  type CardSummary,
  countDevices,
  findingItem,
  reasonCounts,
  summarizeCard,
  summarizeDevices,
  threatFeedItem,
  threatTimeline,
} from './views.js';

const DAY = 86_400_000;
/** How many rows a search may read before it is filtered in memory (devices by state). */
const SCAN_MAX = 10_000;

/** `?limit=` within [1, max], `def` when absent. */
const limitOf = (q: LimitQuery, def: number, max: number) =>
  Math.min(Math.max(Number(q.limit ?? def), 1), max);

/** `?from=&to=` as epoch ms; `from` after `to` is a 400 (what the schema cannot say). */
export function rangeOf(q: RangeQuery): { from?: number; to?: number } {
  const from = q.from === undefined ? undefined : Number(q.from);
  const to = q.to === undefined ? undefined : Number(q.to);
  if (from !== undefined && to !== undefined && from > to)
    throw new ServerError(ApiErrorCode.VALIDATION, 'querystring/from must not be after querystring/to');
  return { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
}

/** `?q=` as a search (trimmed; blank is no search), with the reasons whose sentence matches. */
export function searchOf(q: string | undefined): TextSearch | undefined {
  const text = q?.trim() ?? '';
  return text.length === 0 ? undefined : { text, reasons: reasonsMatching(text) };
}

/** The authorization search of a querystring. */
function authorizationSearch(q: AuthorizationsQuery, limit: number): AuthorizationSearch {
  const search = searchOf(q.q);
  return {
    limit,
    ...(q.deviceId !== undefined ? { deviceId: q.deviceId } : {}),
    ...(q.cardId !== undefined ? { cardId: q.cardId } : {}),
    ...(q.decision !== undefined ? { decision: q.decision } : {}),
    ...(q.reason !== undefined ? { reason: q.reason } : {}),
    ...rangeOf(q),
    ...(search ? { search } : {}),
  };
}

/** The decline reasons of a search: its range, or the last 24 h when it names none. */
function reasonsWindow(f: AuthorizationSearch, now: number): AuthorizationSearch {
  return f.from === undefined && f.to === undefined ? { ...f, from: now - DAY } : f;
}

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

  /** The key inventory of these cards. */
  const inventories = async (cards: Awaited<ReturnType<typeof s.store.listCards>>) => {
    const out: CardSummary[] = [];
    for (const c of cards) {
      const inv = await s.store.cardInventory(c.cardId);
      if (inv) out.push(summarizeCard(c, inv));
    }
    return out;
  };

  app.get(
    '/v1/dashboard/overview',
    {
      config: { callers: ANY_OPERATOR },
      schema: {
        tags: ['dashboard'],
        summary: 'Counts: devices by state, authorizations and decline reasons, threats (24 h)',
        querystring: noQuery,
        response: { 200: overviewResponse, ...errorResponses },
      },
    },
    async () => {
      const now = s.clock.now();
      const policy = await currentPolicy(s.store);
      const risks = await s.store.listDeviceRisk();
      const devices = countDevices(await s.store.listDevices(SCAN_MAX), risks, policy, now);
      return {
        now,
        devices,
        authorizations: await s.store.authorizationCounts(now - DAY),
        declineReasons: reasonCounts(await s.store.declineReasons(now - DAY)),
        threats24h: (await s.store.listThreats({ since: now - DAY, limit: 10_000 })).length,
        policyVersion: policy.version,
      };
    },
  );

  app.get<{ Querystring: DevicesQuery }>(
    '/v1/dashboard/devices',
    {
      config: { callers: ANY_OPERATOR },
      schema: {
        tags: ['dashboard'],
        summary: 'Devices with their state (never reported included), risk view and cards',
        querystring: devicesQuery,
        response: { 200: devicesResponse, ...errorResponses },
      },
    },
    async (req) => {
      const q = req.query;
      const now = s.clock.now();
      const policy = await currentPolicy(s.store);
      const risks = await s.store.listDeviceRisk();
      const cards = await s.store.listCards(SCAN_MAX);
      const search = searchOf(q.q);
      const limit = limitOf(q, 200, 1000);
      const devices = await s.store.searchDevices({
        // Filtered by state in memory: read more than the page when a state is asked for.
        limit: q.state ? SCAN_MAX : limit,
        ...(q.deviceId !== undefined ? { deviceId: q.deviceId } : {}),
        ...(search ? { search } : {}),
      });
      const all = summarizeDevices(devices, risks, cards, policy, now);
      return { devices: (q.state ? all.filter((d) => d.state === q.state) : all).slice(0, limit) };
    },
  );

  app.get<{ Params: DeviceParams; Querystring: LimitQuery & RangeQuery }>(
    '/v1/dashboard/devices/:deviceId',
    {
      config: { callers: ANY_OPERATOR },
      schema: {
        tags: ['dashboard'],
        summary: 'One device: its state, cards, threats (aggregated), authorizations and fraud decisions',
        params: deviceParams,
        querystring: limitQuery({
          from: { type: 'string', pattern: '^[0-9]{1,15}$' },
          to: { type: 'string', pattern: '^[0-9]{1,15}$' },
        }),
        response: { 200: deviceDetailResponse, ...errorResponses },
      },
    },
    async (req) => {
      const { deviceId } = req.params;
      const range = rangeOf(req.query);
      const limit = limitOf(req.query, 100, 1000);
      const device = await s.store.getDevice(deviceId);
      if (!device) throw new ServerError(ApiErrorCode.DEVICE_NOT_FOUND, 'no such device');
      const now = s.clock.now();
      const policy = await currentPolicy(s.store);
      const risk = await s.store.getDeviceRisk(deviceId);
      const cards = await s.store.searchCards({ deviceId, limit: 1000 });
      const search: AuthorizationSearch = { deviceId, limit, ...range };
      return {
        device: summarizeDevices([device], risk ? [risk] : [], cards, policy, now)[0]!,
        cards: await inventories(cards),
        findings: (await s.store.threatFindings({ deviceId, limit, ...range })).map(findingItem),
        authorizations: (await s.store.dashboardAuthorizations(search)).map(authorizationItem),
        declineReasons: reasonCounts(await s.store.dashboardDeclineReasons(search)),
        decisions: await s.store.listRiskDecisions({ deviceId, limit }),
      };
    },
  );

  app.get<{ Querystring: ThreatsQuery }>(
    '/v1/dashboard/findings',
    {
      config: { callers: ANY_OPERATOR },
      schema: {
        tags: ['dashboard'],
        summary: 'Threats aggregated: one row per device and code with count, first and last seen',
        querystring: threatsQuery,
        response: { 200: findingsResponse, ...errorResponses },
      },
    },
    async (req) => {
      const q = req.query;
      const search = searchOf(q.q);
      const rows = await s.store.threatFindings({
        limit: limitOf(q, 50, 500),
        ...(q.deviceId !== undefined ? { deviceId: q.deviceId } : {}),
        ...rangeOf(q),
        ...(search ? { search } : {}),
      });
      return { findings: rows.map(findingItem) };
    },
  );

  app.get<{ Querystring: ThreatsQuery }>(
    '/v1/dashboard/threats',
    {
      config: { callers: ANY_OPERATOR },
      schema: {
        tags: ['dashboard'],
        summary: 'Every threat received, newest first (the aggregated view is /v1/dashboard/findings)',
        querystring: threatsQuery,
        response: { 200: threatsResponse, ...errorResponses },
      },
    },
    async (req) => {
      const q = req.query;
      const range = rangeOf(q);
      const search = searchOf(q.q)?.text.toLowerCase();
      const limit = limitOf(q, 50, 500);
      const rows = await s.store.listThreats({
        // Free text and the end of the range are applied here: read more than the page then.
        limit: search !== undefined || range.to !== undefined ? 50_000 : limit,
        ...(range.from !== undefined ? { since: range.from } : {}),
        ...(q.deviceId !== undefined ? { deviceId: q.deviceId } : {}),
      });
      const hits = rows.filter(
        (t) =>
          (range.to === undefined || t.receivedAt <= range.to) &&
          (search === undefined ||
            [t.deviceId, t.code, t.class, t.severity].some((v) => v.toLowerCase().includes(search))),
      );
      return { threats: hits.slice(0, limit).map(threatFeedItem) };
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
      const q = req.query;
      const minutes = Math.min(Math.max(Number(q.minutes ?? 60), 1), 7 * 24 * 60);
      const buckets = Math.min(Math.max(Number(q.buckets ?? 30), 1), 500);
      const to = s.clock.now();
      const from = to - minutes * 60_000;
      const rows = await s.store.listThreats({
        since: from,
        limit: 50_000,
        ...(q.deviceId !== undefined ? { deviceId: q.deviceId } : {}),
      });
      return threatTimeline(rows, from, to, buckets);
    },
  );

  app.get<{ Querystring: AuthorizationsQuery }>(
    '/v1/dashboard/authorizations',
    {
      config: { callers: ANY_OPERATOR },
      schema: {
        tags: ['dashboard'],
        summary:
          'Authorizations matching the filters (masked PAN, amount, merchant, terminal, device, why declined) and their decline reasons',
        querystring: authorizationsQuery,
        response: { 200: authorizationsResponse, ...errorResponses },
      },
    },
    async (req) => {
      const f = authorizationSearch(req.query, limitOf(req.query, 50, 1000));
      return {
        authorizations: (await s.store.dashboardAuthorizations(f)).map(authorizationItem),
        declineReasons: reasonCounts(await s.store.dashboardDeclineReasons(reasonsWindow(f, s.clock.now()))),
      };
    },
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
      const limit = limitOf(q, 50, 1000);
      const byOutcome = q.outcome !== undefined || q.reason !== undefined;
      const rows = await s.store.listRiskDecisions({
        // Outcome and reason are applied here: read more than the page then.
        limit: byOutcome ? 10_000 : limit,
        ...(q.context ? { context: q.context } : {}),
        ...(q.authorizationId ? { authorizationId: q.authorizationId } : {}),
        ...(q.deviceId ? { deviceId: q.deviceId } : {}),
        ...(q.cardId ? { cardId: q.cardId } : {}),
      });
      return {
        decisions: rows
          .filter(
            (d) =>
              (q.outcome === undefined || d.outcome === q.outcome) &&
              (q.reason === undefined || d.reason === q.reason),
          )
          .slice(0, limit),
      };
    },
  );

  app.get<{ Querystring: CardsQuery }>(
    '/v1/dashboard/cards',
    {
      config: { callers: ANY_OPERATOR },
      schema: {
        tags: ['dashboard'],
        summary: "Each card's key inventory: credentials left, replenishments, current LUK / SUKs",
        querystring: cardsQuery,
        response: { 200: cardsResponse, ...errorResponses },
      },
    },
    async (req) => {
      const q = req.query;
      const search = searchOf(q.q);
      const cards = await s.store.searchCards({
        limit: limitOf(q, 200, 1000),
        ...(q.deviceId !== undefined ? { deviceId: q.deviceId } : {}),
        ...(q.cardId !== undefined ? { cardId: q.cardId } : {}),
        ...(search ? { search } : {}),
      });
      return { cards: await inventories(cards) };
    },
  );
}
