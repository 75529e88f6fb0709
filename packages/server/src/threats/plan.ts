/**
 * What an accepted threat report becomes (docs/fraud-engine.md "Threat intelligence";
 * docs/scaling.md "Threat intelligence as a stream"): the verified claims and the time the
 * receiving instance took them ({@link AcceptedReport}, also the body of a message on the report
 * stream), and the {@link ThreatReportPlan} the store writes for it, each threat with the reaction
 * the policy gives it. Pure: the caller reads the policy and the device's last seq.
 */
import { type ActiveThreat, type ReactionPolicy, reactionFor } from '@openvse/protocol';
import type { ThreatReportPlan, ThreatRow } from '../domain/threats.js';
import type { VerifiedReport } from './report.js';

/** A report or heartbeat whose signature and claims were verified, and when it was received. */
export interface AcceptedReport extends VerifiedReport {
  /** Epoch ms, the receiving instance's clock. */
  receivedAt: number;
}

/** The plan that stores `r` for a device whose last accepted seq is `lastSeq` (0: never reported). */
export function threatReportPlan(
  r: AcceptedReport,
  policy: ReactionPolicy,
  lastSeq: number,
): ThreatReportPlan {
  const threats: ThreatRow[] = (r.scan?.threats ?? []).map((t) => ({
    deviceId: r.deviceId,
    seq: r.seq,
    class: t.class,
    code: t.code,
    severity: t.severity,
    reaction: reactionFor(policy, t),
    evidence: JSON.stringify(t.evidence),
    detectedAt: t.detectedAt,
    receivedAt: r.receivedAt,
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
  return {
    report: {
      deviceId: r.deviceId,
      seq: r.seq,
      typ: r.typ,
      scanId: r.scan?.scanId ?? null,
      scanReason: r.scan?.reason ?? null,
      clean: r.scan ? r.scan.clean : null,
      threatCount: threats.length,
      gapBefore: r.seq - lastSeq - 1,
      iat: r.iat,
      stateCounter: r.stateCounter,
      receivedAt: r.receivedAt,
    },
    threats,
    ...(active ? { activeThreats: active } : {}),
  };
}
