/**
 * What the dashboard shows (docs/fraud-engine.md "Dashboard"), computed from store rows by pure
 * functions: devices counted by risk state, each device with its risk view and cards, the threat
 * feed, threats by class over time, and each card's key inventory. Token PANs appear as their
 * last four digits; nothing here reads a secret.
 */
import type { ReactionPolicy, RiskView } from '@openvse/protocol';
import type { CardInventory, CardRow } from '../domain/cards.js';
import type { DeviceRow } from '../domain/devices.js';
import type { DeviceRiskRow, ThreatRow } from '../domain/threats.js';
import { riskView } from '../threats/state.js';

/** Devices by risk state (`silent` counts devices in any state that went quiet). */
export interface DeviceCounts {
  total: number;
  clean: number;
  suspicious: number;
  compromised: number;
  silent: number;
}

/** A device as the dashboard lists it. */
export interface DeviceSummary {
  deviceId: string;
  protectionLevel: string;
  enrolledAt: number;
  risk: RiskView;
  /** The ids of the cards provisioned to it. */
  cards: string[];
}

/** A threat of the live feed. */
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

/** Threats by class in `buckets` equal periods from `from` to `to`. */
export interface ThreatTimeline {
  from: number;
  to: number;
  bucketMs: number;
  buckets: number;
  /** One series per class, sorted by class. */
  series: { class: string; counts: number[] }[];
}

/** A card's key inventory as the dashboard shows it. */
export interface CardSummary {
  cardId: string;
  tokenPanLast4: string;
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

/** Counts the devices by the risk state the policy gives them at `now`. */
export function countDevices(
  devices: DeviceRow[],
  risks: DeviceRiskRow[],
  policy: ReactionPolicy,
  now: number,
): DeviceCounts {
  const byDevice = riskByDevice(risks);
  const counts: DeviceCounts = { total: 0, clean: 0, suspicious: 0, compromised: 0, silent: 0 };
  for (const d of devices) {
    const v = riskView(d.deviceId, byDevice.get(d.deviceId), policy, now);
    counts.total++;
    counts[v.state]++;
    if (v.silent) counts.silent++;
  }
  return counts;
}

/** Each device with its risk view and the cards bound to it. */
export function summarizeDevices(
  devices: DeviceRow[],
  risks: DeviceRiskRow[],
  cards: CardRow[],
  policy: ReactionPolicy,
  now: number,
): DeviceSummary[] {
  const byDevice = riskByDevice(risks);
  return devices.map((d) => ({
    deviceId: d.deviceId,
    protectionLevel: d.protectionLevel,
    enrolledAt: d.enrolledAt,
    risk: riskView(d.deviceId, byDevice.get(d.deviceId), policy, now),
    cards: cards.filter((c) => c.deviceId === d.deviceId).map((c) => c.cardId),
  }));
}

/** A stored threat as the feed shows it (evidence parsed back into an object). */
export function threatFeedItem(t: ThreatRow): ThreatFeedItem {
  return {
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
  };
}

/** Counts the threats received from `from` to `to` by class in `buckets` periods. */
export function threatTimeline(
  threats: ThreatRow[],
  from: number,
  to: number,
  buckets: number,
): ThreatTimeline {
  const bucketMs = Math.ceil((to - from) / buckets);
  const series = new Map<string, number[]>();
  for (const t of threats) {
    const i = Math.min(buckets - 1, Math.floor((t.receivedAt - from) / bucketMs));
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
