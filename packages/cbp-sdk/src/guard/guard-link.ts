/**
 * The guard link: V-Guard in the wallet (docs/cbp-protocol.md §6, docs/vguard.md,
 * docs/fraud-engine.md; docs/cbp-sdk.md "V-Guard").
 *
 * `scanAndReport(reason)`:
 *   1. V-Guard scans the process (`guard.scan(reason)`);
 *   2. every threat outside the `environment` class goes to V-OS as a flag `CODE:severity`
 *      (`vos.reportThreats`): flags only accumulate inside V-OS until it restarts, and the CBP
 *      TA reads them at each cryptogram to apply the server's reaction policy itself, so the
 *      normal world cannot skip `block_payments` / `wipe_keys`. The severity is part of the flag
 *      because the TA applies `minSeverity` to it (a bare code is treated as the worst case);
 *   3. V-OS signs the scan (`vos.signDeviceReport('threat-report', scan)`: platform identity,
 *      sealed strictly increasing `seq`);
 *   4. the JWS is queued (persisted when a queue store is given) and the queue is flushed in
 *      `seq` order to POST /v1/devices/:deviceId/threats. Offline, it stays queued and is sent by
 *      the next `flush()` (every report and heartbeat flushes first what is older).
 *
 * `heartbeat()` signs a heartbeat and sends it (same queue) to POST …/heartbeat.
 * The server's answer carries the device's risk view with each active threat's reaction; a
 * reaction other than `report` is passed to `onReaction` (and to listeners, e.g. the WalletSdk
 * for `stop_app`) when its set of codes changes. While reports stay queued, the last policy read
 * from GET /v1/policy is applied locally to the scan with protocol's reactionFor, the one
 * evaluator the server uses too (packages/protocol/src/policy/evaluate.ts: first match wins).
 *
 * Refusals: a replayed `seq` (ERR_THREAT_REPORT_REPLAY: the server already holds it, e.g. an
 * answer lost on the way back) and any other refusal (too old, unknown device…) drop the report
 * and are reported through `onEvent`; only an unreachable server (network, 5xx) keeps it.
 */
import {
  type DeviceReportKind,
  isBlockingReaction,
  type Reaction,
  type ReactionPolicy,
  reactionFor,
  type ScanReason,
  type ScanReport,
  SEVERITY_RANK,
  type Severity,
  type ThreatReportResult,
} from '@openvse/protocol';
import { affectsVerdict, type Guard } from '@openvse/vguard';
import type { VosClient } from '@openvse/vos';
import { SdkError, SdkErrorCode } from '../errors.js';
import { decodeJwsPayload } from '../provider/credentials-provider.js';
import type { ServerClient } from '../wallet/server-client.js';
import { createMemoryReportQueue, type QueuedDeviceReport, type ReportQueueStore } from './report-queue.js';

/** A reaction of the policy that does more than report (protocol's blocking reactions). */
export type GuardReactionKind = Exclude<Reaction, 'report'>;

/** A reaction in force and the threat codes the policy gives it. */
export interface GuardReaction {
  reaction: GuardReactionKind;
  /** The threat codes the policy gives this reaction (sorted). */
  codes: string[];
  /** `server`: from the server's answer; `local`: the cached policy while offline. */
  source?: 'server' | 'local';
}

/** What the guard link tells `onEvent`: scans, reports sent / queued / dropped, background errors. */
export type GuardLinkEvent =
  | { type: 'scan'; report: ScanReport; flags: string[] }
  | { type: 'report-sent'; kind: DeviceReportKind; seq: number; gap: number; state: string }
  | { type: 'report-queued'; kind: DeviceReportKind; seq: number; pending: number; error: string }
  | { type: 'report-dropped'; kind: DeviceReportKind; seq: number; serverCode?: string; error: string }
  | { type: 'error'; where: 'periodic' | 'heartbeat' | 'policy'; error: unknown };

/** Options of {@link createGuardLink}. */
export interface GuardLinkOptions {
  /** `createGuard()` of @openvse/vguard (imported first by the app). */
  guard: Guard;
  /** The V-OS client: threat flags and report signing. */
  vos: Pick<VosClient, 'reportThreats' | 'signDeviceReport'>;
  server: Pick<ServerClient, 'threatReport' | 'heartbeat'> & Partial<Pick<ServerClient, 'policy'>>;
  /** The enrolled device id (a function: read at each send; undefined keeps reports queued). */
  deviceId: string | (() => string | undefined);
  /** Persistence of the unsent reports (default: memory only). */
  queue?: ReportQueueStore;
  onReaction?: (r: GuardReaction) => void;
  onEvent?: (e: GuardLinkEvent) => void;
  /** Most reports kept while offline (default 500): the oldest heartbeats go first. */
  maxQueued?: number;
  clock?: () => number;
}

/** V-Guard in the wallet: scans raised in V-OS, signed, sent to the server; the server's reactions. */
export interface GuardLink {
  /** Scan, raise the flags in V-OS, sign, send (or queue). Resolves with the scan. */
  scanAndReport(reason: ScanReason): Promise<ScanReport>;
  /** A signed heartbeat, sent (or queued). */
  heartbeat(): Promise<void>;
  /** Sends the queued reports in seq order; stops at the first unreachable. Returns how many were sent. */
  flush(): Promise<number>;
  /** Periodic scan + heartbeat every `intervalMs` (unref'd timer). */
  start(intervalMs: number): void;
  stop(): void;
  /** Reports waiting for the server. */
  pending(): number;
  /** The reactions currently in force (last server answer, or the local policy while offline). */
  reactions(): GuardReaction[];
  /** Subscribes to reactions (as `onReaction`); returns the unsubscribe function. */
  addReactionListener(listener: (r: GuardReaction) => void): () => void;
  /** The server's last answer to a report or heartbeat. */
  readonly lastResult: ThreatReportResult | undefined;
  /** Reads GET /v1/policy for the offline evaluation (best effort; false when unreachable). */
  refreshPolicy(): Promise<boolean>;
}

/** Most flags per V-OS call (client.reportThreats accepts up to 64 strings of ≤ 64 chars). */
const MAX_FLAGS = 64;
/** The server refuses a scan with more threats than this (MAX_THREATS_PER_REPORT). */
const MAX_THREATS = 64;
/** The order listeners hear about reactions in, and `reactions()` lists them in. */
const REACTION_ORDER: readonly GuardReactionKind[] = ['wipe_keys', 'block_payments', 'stop_app'];

const isGuardReaction = (r: Reaction): r is GuardReactionKind => isBlockingReaction(r);

/** The V-OS flags of a scan: `CODE:severity` of every non-environment threat, worst severity per code. */
export function vosThreatFlags(report: ScanReport): string[] {
  const worst = new Map<string, Severity>();
  for (const t of report.threats) {
    if (!affectsVerdict(t)) continue;
    const prev = worst.get(t.code);
    if (!prev || SEVERITY_RANK[t.severity] > SEVERITY_RANK[prev]) worst.set(t.code, t.severity);
  }
  return [...worst]
    .map(([code, sev]) => `${code}:${sev}`.slice(0, 64))
    .sort()
    .slice(0, MAX_FLAGS);
}

/** A scan within the server's bounds: at most 64 threats, the most severe kept (then sorted back). */
function boundedScan(report: ScanReport): ScanReport {
  if (report.threats.length <= MAX_THREATS) return report;
  const keep = new Set(
    report.threats
      .map((t, i) => ({ t, i }))
      .sort((a, b) => SEVERITY_RANK[b.t.severity] - SEVERITY_RANK[a.t.severity] || a.i - b.i)
      .slice(0, MAX_THREATS)
      .map((x) => x.i),
  );
  return { ...report, threats: report.threats.filter((_, i) => keep.has(i)) };
}

/** The codes of each reaction other than `report`, sorted. */
function groupReactions(
  threats: readonly { code: string; reaction: Reaction }[],
): Map<GuardReactionKind, string[]> {
  const m = new Map<GuardReactionKind, Set<string>>();
  for (const t of threats) {
    if (!isGuardReaction(t.reaction)) continue;
    const set = m.get(t.reaction) ?? new Set<string>();
    set.add(t.code);
    m.set(t.reaction, set);
  }
  return new Map([...m].map(([k, v]) => [k, [...v].sort()]));
}

/** Links a V-Guard to V-OS and the server (see the module comment for what each call does). */
export function createGuardLink(opts: GuardLinkOptions): GuardLink {
  if (!opts?.guard || !opts.vos || !opts.server)
    throw new SdkError(SdkErrorCode.BAD_ARGUMENT, 'createGuardLink: guard, vos and server are required');
  const { guard, vos, server } = opts;
  const store = opts.queue ?? createMemoryReportQueue();
  const clock = opts.clock ?? Date.now;
  const maxQueued = Math.max(1, opts.maxQueued ?? 500);
  const deviceId = (): string | undefined =>
    typeof opts.deviceId === 'function' ? opts.deviceId() : opts.deviceId;
  const listeners = new Set<(r: GuardReaction) => void>();
  if (opts.onReaction) listeners.add(opts.onReaction);

  let queue: QueuedDeviceReport[] = store.load().sort((a, b) => a.seq - b.seq);
  let flushing: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let lastResult: ThreatReportResult | undefined;
  let policy: ReactionPolicy | undefined;
  let current = new Map<GuardReactionKind, string[]>();
  let currentSource: 'server' | 'local' = 'server';

  const emit = (e: GuardLinkEvent): void => {
    try {
      opts.onEvent?.(e);
    } catch {
      // observers never break the link
    }
  };

  /** Replaces the reactions in force; tells the listeners about each one whose codes changed. */
  const setReactions = (next: Map<GuardReactionKind, string[]>, source: 'server' | 'local'): void => {
    const before = current;
    current = next;
    currentSource = source;
    for (const reaction of REACTION_ORDER) {
      const codes = next.get(reaction);
      if (!codes || codes.join(',') === (before.get(reaction) ?? []).join(',')) continue;
      for (const l of [...listeners]) {
        try {
          l({ reaction, codes: [...codes], source });
        } catch {
          // a faulty listener must not break reporting
        }
      }
    }
  };

  const persist = (): void => store.save(queue);

  const enqueue = (kind: DeviceReportKind, report: string): QueuedDeviceReport => {
    const seq = decodeJwsPayload<{ seq?: unknown }>(report).seq;
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1)
      throw new SdkError(SdkErrorCode.PROVIDER_FAILED, 'V-OS signed a device report without a seq');
    const item: QueuedDeviceReport = { kind, seq, report, queuedAt: clock() };
    queue = [...queue.filter((q) => q.seq !== seq), item].sort((a, b) => a.seq - b.seq);
    while (queue.length > maxQueued) {
      const hb = queue.findIndex((q) => q.kind === 'heartbeat' && q !== item);
      queue.splice(Math.max(hb, 0), 1);
    }
    persist();
    return item;
  };

  const send = async (item: QueuedDeviceReport, device: string): Promise<ThreatReportResult> =>
    item.kind === 'heartbeat'
      ? server.heartbeat(device, item.report)
      : server.threatReport(device, item.report);

  const flushOnce = async (): Promise<number> => {
    let sent = 0;
    const device = deviceId();
    if (!device) return 0;
    while (queue.length > 0) {
      const item = queue[0]!;
      try {
        const r = await send(item, device);
        lastResult = r;
        queue = queue.filter((q) => q !== item);
        persist();
        sent++;
        emit({ type: 'report-sent', kind: item.kind, seq: item.seq, gap: r.gap, state: r.risk.state });
        setReactions(groupReactions(r.risk.activeThreats), 'server');
      } catch (e) {
        if (e instanceof SdkError && e.code === SdkErrorCode.SERVER_REFUSED) {
          queue = queue.filter((q) => q !== item);
          persist();
          emit({
            type: 'report-dropped',
            kind: item.kind,
            seq: item.seq,
            ...(e.serverCode ? { serverCode: e.serverCode } : {}),
            error: e.message,
          });
          continue;
        }
        if (e instanceof SdkError && e.code === SdkErrorCode.SERVER_UNREACHABLE) break;
        throw e;
      }
    }
    return sent;
  };

  const flush = (): Promise<number> => {
    const run = flushing.then(flushOnce, flushOnce);
    flushing = run.catch(() => undefined);
    return run;
  };

  /** Queues a signed report, flushes; says when it stayed queued. */
  const submit = async (kind: DeviceReportKind, report: string): Promise<boolean> => {
    const item = enqueue(kind, report);
    let error: string | undefined;
    try {
      await flush();
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
    if (!queue.includes(item)) return false;
    error ??= deviceId() ? 'server unreachable' : 'no device id yet';
    emit({ type: 'report-queued', kind, seq: item.seq, pending: queue.length, error });
    return true;
  };

  const refreshPolicy = async (): Promise<boolean> => {
    if (!server.policy) return false;
    try {
      policy = await server.policy.call(server);
      return true;
    } catch (e) {
      emit({ type: 'error', where: 'policy', error: e });
      return false;
    }
  };

  const link: GuardLink = {
    async scanAndReport(reason: ScanReason): Promise<ScanReport> {
      const report = boundedScan(await guard.scan(reason));
      const flags = vosThreatFlags(report);
      if (flags.length > 0) await vos.reportThreats(flags);
      emit({ type: 'scan', report, flags });
      const jws = await vos.signDeviceReport('threat-report', report);
      const queued = await submit('threat-report', jws);
      if (queued && policy) {
        const local = groupReactions(
          report.threats
            .filter(affectsVerdict)
            .map((t) => ({ code: t.code, reaction: reactionFor(policy as ReactionPolicy, t) })),
        );
        // Offline, the cached policy can only add reactions: a clean scan does not lift what the
        // server decided (the server will, once it sees the report).
        const merged = new Map(current);
        for (const [k, v] of local) merged.set(k, [...new Set([...(merged.get(k) ?? []), ...v])].sort());
        setReactions(merged, currentSource === 'server' && local.size === 0 ? 'server' : 'local');
      }
      return report;
    },
    async heartbeat(): Promise<void> {
      const jws = await vos.signDeviceReport('heartbeat');
      await submit('heartbeat', jws);
    },
    flush,
    start(intervalMs: number): void {
      if (timer) return;
      if (!(intervalMs > 0)) throw new SdkError(SdkErrorCode.BAD_ARGUMENT, 'start: intervalMs must be > 0');
      void refreshPolicy();
      timer = setInterval(() => {
        void link
          .scanAndReport('periodic')
          .catch((error: unknown) => emit({ type: 'error', where: 'periodic', error }))
          .then(() => link.heartbeat())
          .catch((error: unknown) => emit({ type: 'error', where: 'heartbeat', error }));
      }, intervalMs);
      timer.unref();
    },
    stop(): void {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
    pending(): number {
      return queue.length;
    },
    reactions(): GuardReaction[] {
      return REACTION_ORDER.filter((r) => current.has(r)).map((reaction) => ({
        reaction,
        codes: [...(current.get(reaction) ?? [])],
        source: currentSource,
      }));
    },
    addReactionListener(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    get lastResult() {
      return lastResult;
    },
    refreshPolicy,
  };
  return link;
}
