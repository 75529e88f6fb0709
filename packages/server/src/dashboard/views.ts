/**
 * What the dashboard shows (docs/dashboard.md; docs/fraud-engine.md "Dashboard"), computed from
 * store rows by pure functions: devices counted by state, each device with its risk view, its
 * dashboard state (`never_reported` for a device V-Guard never sent a scan from, distinct from
 * `clean`) and its cards, threats aggregated per device and code, threats by class over time,
 * authorizations with where they happened and why they were declined, each card's key inventory.
 * Token PANs appear masked (format.ts: first six, last four); amounts with their ISO 4217
 * alphabetic code. Nothing here reads a secret, and no view carries a full PAN.
 */
import type { DeviceRiskState, ReactionPolicy, RiskView } from '@openvse/protocol';
import type { CardInventory, CardRow } from '../domain/cards.js';
import type { DeviceRow } from '../domain/devices.js';
import type { DeviceRiskRow, ThreatRow } from '../domain/threats.js';
import type { DashboardAuthorizationRow, ThreatFinding } from '../storage/dashboard-queries.js';
import { riskView } from '../threats/state.js';
import { explainDecline } from './explanations.js';
import { currencyOf, formatAmount, maskPan } from './format.js';

/**
 * A device's state on the dashboard: the server's risk state, or `never_reported` while V-Guard
 * has sent no scan from it and it is not silent (the server treats it as clean; an analyst must
 * not read that as "checked and clean").
 */
export type DashboardDeviceState = DeviceRiskState | 'never_reported';

/** Every {@link DashboardDeviceState}, for the filters. */
export const DASHBOARD_DEVICE_STATES: readonly DashboardDeviceState[] = Object.freeze([
  'never_reported',
  'clean',
  'suspicious',
  'compromised',
]);

/** Devices by state (`silent` counts devices in any state that went quiet). */
export interface DeviceCounts {
  total: number;
  /** Reported and clean. */
  clean: number;
  suspicious: number;
  compromised: number;
  silent: number;
  /** Never sent a V-Guard scan (no V-Guard, or not yet). */
  neverReported: number;
}

/** A card as a device lists it. */
export interface DeviceCard {
  cardId: string;
  /** The token PAN, masked (`489537******1234`). */
  tokenPanMasked: string;
  status: CardRow['status'];
  profile: CardRow['profile'];
}

/** A device as the dashboard lists it. */
export interface DeviceSummary {
  deviceId: string;
  protectionLevel: string;
  enrolledAt: number;
  /** The dashboard's state: the risk state, or `never_reported`. */
  state: DashboardDeviceState;
  risk: RiskView;
  /** The cards provisioned to it. */
  cards: DeviceCard[];
}

/** A threat of the raw feed. */
export interface ThreatFeedItem {
  id: number;
  deviceId: string;
  seq: number;
  class: string;
  code: string;
  severity: ThreatRow['severity'];
  reaction: ThreatRow['reaction'];
  evidence: Record<string, unknown>;
  detectedAt: string;
  receivedAt: number;
}

/** The threats of one code from one device, as one row: how often, first and last seen. */
export interface FindingItem {
  deviceId: string;
  code: string;
  class: string;
  severity: ThreatRow['severity'];
  reaction: ThreatRow['reaction'];
  count: number;
  firstSeen: number;
  lastSeen: number;
  /** The id, report seq and evidence of the last one. */
  lastId: number;
  lastSeq: number;
  evidence: Record<string, unknown>;
}

/** Threats by class in `buckets` equal periods from `from` to `to`. */
export interface ThreatTimeline {
  from: number;
  to: number;
  bucketMs: number;
  buckets: number;
  /** One series per class, sorted by class. */
  series: { class: string; counts: number[] }[];
}

/** An authorization as the dashboard lists it. */
export interface AuthorizationItem {
  id: string;
  cardId: string | null;
  /** The card's token PAN, masked; null when no card matched (UNKNOWN_TOKEN). */
  tokenPanMasked: string | null;
  deviceId: string | null;
  merchantId: string | null;
  terminalId: string | null;
  atc: number | null;
  /** Minor units. */
  amount: number;
  /** ISO 4217 numeric, as received. */
  currency: string;
  /** ISO 4217 alphabetic (or the numeric code when unknown). */
  currencyCode: string;
  /** `7.00 EUR`. */
  amountText: string;
  decision: 'APPROVE' | 'DECLINE';
  reason: string;
  /** Why it was declined, in a sentence; null for an approval. */
  explanation: string | null;
  /** The fraud engine's decision on it, when it was asked: score, outcome, the rules that fired. */
  risk: { score: number; outcome: string; rules: { rule: string; weight: number }[] } | null;
  createdAt: number;
}

/** A decline reason, its count and its sentence. */
export interface ReasonCount {
  reason: string;
  count: number;
  explanation: string;
}

/** A card's key inventory as the dashboard shows it. */
export interface CardSummary {
  cardId: string;
  tokenPanLast4: string;
  /** The token PAN, masked (`489537******1234`). */
  tokenPanMasked: string;
  profile: CardRow['profile'];
  cardType: CardRow['cardType'];
  status: CardRow['status'];
  deviceId: string | null;
  /** LUK transactions or unused SUKs left; null for a plain card. */
  credentialsLeft: number | null;
  /** Credentials messages after the first (the one of provisioning). */
  replenishments: number;
  /** The current (not retired) LUK, profile V. */
  luk: {
    api: string;
    usedCount: number;
    maxTransactions: number;
    usedAmount: number;
    maxAmount: number;
    notAfter: number;
  } | null;
  suks: CardInventory['suks'];
}

const riskByDevice = (risks: DeviceRiskRow[]) => new Map(risks.map((r) => [r.deviceId, r]));

/** The dashboard state of a device from its risk view (see {@link DashboardDeviceState}). */
export function deviceState(view: RiskView): DashboardDeviceState {
  return view.lastReportAt === null && view.state !== 'compromised' && !view.silent
    ? 'never_reported'
    : view.state;
}

/** Counts the devices by the state the policy gives them at `now`. */
export function countDevices(
  devices: DeviceRow[],
  risks: DeviceRiskRow[],
  policy: ReactionPolicy,
  now: number,
): DeviceCounts {
  const byDevice = riskByDevice(risks);
  const counts: DeviceCounts = {
    total: 0,
    clean: 0,
    suspicious: 0,
    compromised: 0,
    silent: 0,
    neverReported: 0,
  };
  for (const d of devices) {
    const v = riskView(d.deviceId, byDevice.get(d.deviceId), policy, now);
    const state = deviceState(v);
    counts.total++;
    if (state === 'never_reported') counts.neverReported++;
    else counts[state]++;
    if (v.silent) counts.silent++;
  }
  return counts;
}

/** A card as a device lists it. */
export function deviceCard(c: CardRow): DeviceCard {
  return { cardId: c.cardId, tokenPanMasked: maskPan(c.tokenPan), status: c.status, profile: c.profile };
}

/** Each device with its risk view, its dashboard state and the cards bound to it. */
export function summarizeDevices(
  devices: DeviceRow[],
  risks: DeviceRiskRow[],
  cards: CardRow[],
  policy: ReactionPolicy,
  now: number,
): DeviceSummary[] {
  const byDevice = riskByDevice(risks);
  const cardsOf = new Map<string, CardRow[]>();
  for (const c of cards)
    if (c.deviceId !== null) cardsOf.set(c.deviceId, [...(cardsOf.get(c.deviceId) ?? []), c]);
  return devices.map((d) => {
    const risk = riskView(d.deviceId, byDevice.get(d.deviceId), policy, now);
    return {
      deviceId: d.deviceId,
      protectionLevel: d.protectionLevel,
      enrolledAt: d.enrolledAt,
      state: deviceState(risk),
      risk,
      cards: (cardsOf.get(d.deviceId) ?? []).map(deviceCard),
    };
  });
}

/** Stored evidence (JSON) back as an object; a row that is not one shows as empty. */
function evidenceOf(json: string): Record<string, unknown> {
  try {
    const v = JSON.parse(json) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** A stored threat as the raw feed shows it (evidence parsed back into an object). */
export function threatFeedItem(t: ThreatRow): ThreatFeedItem {
  return {
    id: t.id ?? 0,
    deviceId: t.deviceId,
    seq: t.seq,
    class: t.class,
    code: t.code,
    severity: t.severity,
    reaction: t.reaction,
    evidence: evidenceOf(t.evidence),
    detectedAt: t.detectedAt,
    receivedAt: t.receivedAt,
  };
}

/** An aggregated finding as the dashboard shows it (the last threat's class, severity, evidence). */
export function findingItem(f: ThreatFinding): FindingItem {
  return {
    deviceId: f.deviceId,
    code: f.code,
    class: f.last.class,
    severity: f.last.severity,
    reaction: f.last.reaction,
    count: f.count,
    firstSeen: f.firstSeen,
    lastSeen: f.lastSeen,
    lastId: f.last.id ?? 0,
    lastSeq: f.last.seq,
    evidence: evidenceOf(f.last.evidence),
  };
}

/** Counts the threats received from `from` to `to` by class in `buckets` periods. */
export function threatTimeline(
  threats: ThreatRow[],
  from: number,
  to: number,
  buckets: number,
): ThreatTimeline {
  const bucketMs = Math.max(1, Math.ceil((to - from) / buckets));
  const series = new Map<string, number[]>();
  for (const t of threats) {
    const i = Math.max(0, Math.min(buckets - 1, Math.floor((t.receivedAt - from) / bucketMs)));
    let counts = series.get(t.class);
    if (!counts) {
      counts = new Array<number>(buckets).fill(0);
      series.set(t.class, counts);
    }
    counts[i] = (counts[i] ?? 0) + 1;
  }
  return {
    from,
    to,
    bucketMs,
    buckets,
    series: [...series]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([cls, counts]) => ({ class: cls, counts })),
  };
}

/** An authorization as the dashboard lists it: masked PAN, amount in its currency, the why. */
export function authorizationItem(a: DashboardAuthorizationRow): AuthorizationItem {
  return {
    id: a.id,
    cardId: a.cardId,
    tokenPanMasked: a.tokenPan === null ? null : maskPan(a.tokenPan),
    deviceId: a.deviceId,
    merchantId: a.merchantId,
    terminalId: a.terminalId,
    atc: a.atc,
    amount: a.amount,
    currency: a.currency,
    currencyCode: currencyOf(a.currency).code,
    amountText: formatAmount(a.amount, a.currency),
    decision: a.decision,
    reason: a.reason,
    explanation: a.decision === 'DECLINE' ? explainDecline(a.reason) : null,
    risk: a.risk && {
      score: a.risk.score,
      outcome: a.risk.outcome,
      rules: a.risk.rules.map((r) => ({ rule: r.rule, weight: r.weight })),
    },
    createdAt: a.createdAt,
  };
}

/** Decline reasons with their sentences. */
export function reasonCounts(rows: { reason: string; count: number }[]): ReasonCount[] {
  return rows.map((r) => ({ ...r, explanation: explainDecline(r.reason) }));
}

/** A card's key inventory: credentials left, replenishments, the current LUK, its SUKs. */
export function summarizeCard(c: CardRow, inv: CardInventory): CardSummary {
  const current = inv.luks.find((l) => l.retiredAt === null) ?? null;
  const credentialsLeft =
    c.cardType === 'plain'
      ? null
      : c.profile === 'V'
        ? current
          ? Math.max(0, current.maxTransactions - current.usedCount)
          : 0
        : inv.suks.unused;
  return {
    cardId: c.cardId,
    tokenPanLast4: c.tokenPan.slice(-4),
    tokenPanMasked: maskPan(c.tokenPan),
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
  };
}
