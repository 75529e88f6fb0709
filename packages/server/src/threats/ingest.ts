/**
 * Ingesting threat reports and heartbeats (docs/cbp-protocol.md §6; docs/fraud-engine.md
 * "Threat intelligence"). Verify (report.ts), then one transaction (store.recordThreatReport):
 * the seq must be above the last one accepted for the device (else ERR_THREAT_REPORT_REPLAY and
 * nothing is written), the gap since that seq is recorded, the report and its threats are
 * stored, and a scan replaces the device's active threats. When the server's verdict on the
 * device flips (blocked ↔ not blocked), the current policy is queued to the device with
 * `blockPayments` set accordingly.
 */
import { type ActiveThreat, ApiErrorCode, reactionFor, type ThreatReportResult } from '@openvse/protocol';
import { requireDevice } from '../devices/enrollment.js';
import type { ThreatRow } from '../domain/threats.js';
import { ServerError } from '../errors.js';
import { DEFAULT_FRAUD_CONFIG } from '../fraud/config.js';
import type { Services } from '../services.js';
import { queuePolicy } from './policy-messages.js';
import { currentPolicy } from './policy-versions.js';
import { verifyThreatReport } from './report.js';
import { riskView } from './state.js';

/** Verifies and stores a report or heartbeat; re-queues the policy when the verdict flips. */
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
  if (before && r.seq <= before.lastReportSeq)
    throw new ServerError(ApiErrorCode.THREAT_REPORT_REPLAY, 'threat report: seq already seen (replay)');
  const threats: ThreatRow[] = (r.scan?.threats ?? []).map((t) => ({
    deviceId,
    seq: r.seq,
    class: t.class,
    code: t.code,
    severity: t.severity,
    reaction: reactionFor(policy, t),
    evidence: JSON.stringify(t.evidence),
    detectedAt: t.detectedAt,
    receivedAt: now,
  }));
  const active: ActiveThreat[] | undefined = r.scan
    ? threats.map((t) => ({
        class: t.class,
        code: t.code,
        severity: t.severity,
        reaction: t.reaction,
        detectedAt: t.detectedAt,
      }))
    : undefined;
  const result = await s.store.recordThreatReport({
    report: {
      deviceId,
      seq: r.seq,
      typ: r.typ,
      scanId: r.scan?.scanId ?? null,
      scanReason: r.scan?.reason ?? null,
      clean: r.scan ? r.scan.clean : null,
      threatCount: threats.length,
      gapBefore: r.seq - (before?.lastReportSeq ?? 0) - 1,
      iat: r.iat,
      stateCounter: r.stateCounter,
      receivedAt: now,
    },
    threats,
    ...(active ? { activeThreats: active } : {}),
  });
  if (result === 'replay')
    throw new ServerError(ApiErrorCode.THREAT_REPORT_REPLAY, 'threat report: seq already seen (replay)');
  const after = await s.store.getDeviceRisk(deviceId);
  const viewBefore = riskView(deviceId, before, policy, now);
  const view = riskView(deviceId, after, policy, now);
  let policyMessageSeq: number | null = null;
  if ((viewBefore.state === 'compromised') !== (view.state === 'compromised'))
    policyMessageSeq = (await queuePolicy(s, device, policy, view.state === 'compromised')).seq;
  return {
    deviceId,
    seq: r.seq,
    typ: r.typ,
    gap: r.seq - (before?.lastReportSeq ?? 0) - 1,
    risk: view,
    policyMessageSeq,
  };
}
