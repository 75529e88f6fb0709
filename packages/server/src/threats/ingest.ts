/**
 * Ingesting threat reports and heartbeats (docs/cbp-protocol.md §6; docs/fraud-engine.md
 * "Threat intelligence"; docs/scaling.md "Threat intelligence as a stream"). Verify (report.ts);
 * the seq must be above the last one stored for the device (else ERR_THREAT_REPORT_REPLAY and
 * nothing is written). Then:
 *
 * - without a report stream (the default), the request stores it (record.ts: one transaction, the
 *   gap since the last seq, the report and its threats, a scan replacing the active threats, the
 *   policy queued when the verdict flips) and answers from what was stored;
 * - with a report stream (`Services.reports`, NATS JetStream), it publishes the verified report
 *   (deduplicated by `<deviceId>:<seq>`; a duplicate is a replay) and answers once the stream has
 *   it, with a provisional view: the stored state with this report applied (state.ts
 *   applyThreatReport), computed here; the stream's consumer writes the authoritative state and
 *   queues the policy if the verdict flips (`policyMessageSeq` is then null). The stream not
 *   answering is ERR_STREAM_UNAVAILABLE (503): the device keeps the report and sends it again.
 */
import { ApiErrorCode, type ThreatReportResult } from '@openvse/protocol';
import { requireDevice } from '../devices/enrollment.js';
import { ServerError } from '../errors.js';
import { DEFAULT_FRAUD_CONFIG } from '../fraud/config.js';
import type { Services } from '../services.js';
import { type AcceptedReport, threatReportPlan } from './plan.js';
import { currentPolicy } from './policy-versions.js';
import { recordAcceptedReport } from './record.js';
import { verifyThreatReport } from './report.js';
import { applyThreatReport, riskView } from './state.js';

const replay = () =>
  new ServerError(ApiErrorCode.THREAT_REPORT_REPLAY, 'threat report: seq already seen (replay)');

/** Verifies and stores (or streams) a report or heartbeat; answers with the device's risk view. */
export async function ingestThreatReport(
  s: Services,
  deviceId: string,
  jws: string,
  only?: 'heartbeat',
): Promise<ThreatReportResult> {
  const device = await requireDevice(s, deviceId);
  const now = s.clock.now();
  const maxAge = s.fraud?.config.maxReportAgeSeconds ?? DEFAULT_FRAUD_CONFIG.maxReportAgeSeconds;
  const r = await verifyThreatReport(device, jws, now, maxAge);
  if (only === 'heartbeat' && r.typ !== 'heartbeat')
    throw new ServerError(
      ApiErrorCode.THREAT_REPORT_INVALID,
      'threat report: typ must be heartbeat on this route',
    );
  const policy = await currentPolicy(s.store);
  const before = await s.store.getDeviceRisk(deviceId);
  if (before && r.seq <= before.lastReportSeq) throw replay();
  const accepted: AcceptedReport = { ...r, receivedAt: now };
  const gap = r.seq - (before?.lastReportSeq ?? 0) - 1;

  if (s.reports) {
    if ((await s.reports.publishReport(accepted)) === 'duplicate') throw replay();
    const provisional = applyThreatReport(
      before,
      threatReportPlan(accepted, policy, before?.lastReportSeq ?? 0),
    );
    return {
      deviceId,
      seq: r.seq,
      typ: r.typ,
      gap,
      risk: riskView(deviceId, provisional, policy, now),
      policyMessageSeq: null,
    };
  }

  const out = await recordAcceptedReport(s, device, accepted, policy, { risk: before });
  if (out.result === 'replay') throw replay();
  return { deviceId, seq: r.seq, typ: r.typ, gap, risk: out.view, policyMessageSeq: out.policyMessageSeq };
}
