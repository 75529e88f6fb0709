/**
 * Storing an accepted threat report (docs/fraud-engine.md "Threat intelligence"; docs/scaling.md
 * "Threat intelligence as a stream"): one transaction (store.recordThreatReport: the seq must be
 * above the device's last, else `replay` and nothing is written), then, when the server's verdict
 * on the device flips (blocked ↔ not blocked), the policy is queued to the device with
 * `blockPayments` set accordingly, and the events go out (report stored, verdict). The same code
 * runs in the request (no stream) and in the report stream's consumer, which treats `replay` as
 * "already counted". The fraud engine reads the device's risk state from the store, so storing is
 * what feeds it.
 */
import type { ReactionPolicy, RiskView } from '@openvse/protocol';
import type { DeviceRow } from '../domain/devices.js';
import type { DeviceRiskRow } from '../domain/threats.js';
import type { Services } from '../services.js';
import { publishThreatReportStored, publishVerdict } from '../stream/publish.js';
import type { AcceptedReport } from './plan.js';
import { threatReportPlan } from './plan.js';
import { queuePolicy, queuePolicyWithVerdict } from './policy-messages.js';
import { currentPolicy } from './policy-versions.js';
import { riskView } from './state.js';

/** What storing one report gave. */
export type RecordOutcome =
  | { result: 'replay' }
  | {
      result: 'stored';
      /** The seq gap before this report. */
      gap: number;
      /** The device's risk view with the report stored. */
      view: RiskView;
      /** The `policy` message queued because the verdict flipped, else null. */
      policyMessageSeq: number | null;
    };

/**
 * Stores `r` for `device` under `policy`; `prior` is the device's risk row when the caller has
 * just read it (else it is read here).
 */
export async function recordAcceptedReport(
  s: Services,
  device: DeviceRow,
  r: AcceptedReport,
  policy: ReactionPolicy,
  prior?: { risk: DeviceRiskRow | undefined },
): Promise<RecordOutcome> {
  const before = prior ? prior.risk : await s.store.getDeviceRisk(r.deviceId);
  const plan = threatReportPlan(r, policy, before?.lastReportSeq ?? 0);
  if ((await s.store.recordThreatReport(plan)) === 'replay') return { result: 'replay' };
  const now = s.clock.now();
  const after = await s.store.getDeviceRisk(r.deviceId);
  const viewBefore = riskView(r.deviceId, before, policy, now);
  const view = riskView(r.deviceId, after, policy, now);
  let policyMessageSeq: number | null = null;
  if ((viewBefore.state === 'compromised') !== (view.state === 'compromised')) {
    policyMessageSeq = (await queuePolicy(s, device, policy, view.state === 'compromised')).seq;
    publishVerdict(s, r.deviceId, view.state, r.seq, now);
  }
  publishThreatReportStored(s, plan, now);
  return { result: 'stored', gap: plan.report.gapBefore, view, policyMessageSeq };
}

/** What the report stream's consumer did with one message. */
export type StreamedReportOutcome = 'stored' | 'replay' | 'unknown-device';

/** One report taken from the stream, and whether the broker had delivered it before. */
export interface StreamedReport {
  report: AcceptedReport;
  redelivered: boolean;
}

/**
 * The consumer's step for a batch of streamed reports (stream/report-consumer.ts acknowledges
 * them after this returns, i.e. after the commit): one transaction for the batch
 * (store.recordStreamedReports: idempotent by (device, seq), in any order), then, per device
 * whose verdict flipped across the batch, the policy queued and the verdict published, and an
 * event per report stored. `replay` = already counted. A redelivered report that is the device's
 * last stored one may have been stored by a consumer that died before queueing the policy: the
 * policy is queued again with the current verdict (a repeated policy message is harmless, a
 * missing one is not).
 */
export async function processStreamedReports(
  s: Services,
  batch: StreamedReport[],
): Promise<StreamedReportOutcome[]> {
  const policy = await currentPolicy(s.store);
  const devices = new Map<string, { device: DeviceRow; before: DeviceRiskRow | undefined; top: number }>();
  for (const id of new Set(batch.map((b) => b.report.deviceId))) {
    const device = await s.store.getDevice(id);
    if (!device) continue;
    const before = await s.store.getDeviceRisk(id);
    devices.set(id, { device, before, top: before?.lastReportSeq ?? 0 });
  }
  const outcomes: StreamedReportOutcome[] = batch.map(() => 'unknown-device');
  const planned: { i: number; plan: ReturnType<typeof threatReportPlan> }[] = [];
  batch.forEach((b, i) => {
    const d = devices.get(b.report.deviceId);
    if (!d) return;
    const plan = threatReportPlan(b.report, policy, d.top);
    // A late report (below a seq already stored) closes a gap rather than opening one.
    plan.report.gapBefore = Math.max(0, plan.report.gapBefore);
    d.top = Math.max(d.top, b.report.seq);
    planned.push({ i, plan });
  });
  const results = planned.length > 0 ? await s.store.recordStreamedReports(planned.map((p) => p.plan)) : [];
  const now = s.clock.now();
  const storedFor = new Set<string>();
  const requeue = new Set<string>();
  planned.forEach(({ i, plan }, k) => {
    outcomes[i] = results[k]!;
    if (results[k] === 'stored') {
      storedFor.add(plan.report.deviceId);
      publishThreatReportStored(s, plan, now);
    } else if (batch[i]!.redelivered) requeue.add(plan.report.deviceId);
  });
  for (const [id, d] of devices) {
    if (!storedFor.has(id) && !requeue.has(id)) continue;
    const after = await s.store.getDeviceRisk(id);
    if (storedFor.has(id)) {
      const viewBefore = riskView(id, d.before, policy, now);
      const view = riskView(id, after, policy, now);
      if ((viewBefore.state === 'compromised') !== (view.state === 'compromised')) {
        await queuePolicy(s, d.device, policy, view.state === 'compromised');
        publishVerdict(s, id, view.state, after?.lastReportSeq ?? 0, now);
        continue;
      }
    }
    const redeliveredLast = batch.some(
      (b) => b.redelivered && b.report.deviceId === id && b.report.seq === after?.lastReportSeq,
    );
    if (requeue.has(id) && redeliveredLast) await queuePolicyWithVerdict(s, d.device, policy, now);
  }
  return outcomes;
}
