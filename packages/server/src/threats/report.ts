/**
 * Verifying a threat report or heartbeat (docs/cbp-protocol.md §6): a compact JWS, alg ES256
 * only, header typ `openvse-threat+jwt`, kid = thumbprint of the V-OS platform key pinned for the
 * device at enrollment, signature under that key (so the normal world can relay a report but not
 * forge one). Payload: `typ` threat-report | heartbeat, `deviceId` = the route's, `seq` a positive
 * integer, `iat` not in the future (±300 s) and not older than `maxReportAgeSeconds` (reports
 * made offline are queued and sent later), `stateCounter` a decimal u64 when present, and for a
 * report a `scan` whose threats have a class, a code, a severity, an evidence object and a time.
 * Nothing here touches the store.
 */
import { ApiErrorCode, DEVICE_REPORT_TYP, isSeverity, type Severity } from '@openvse/protocol';
import { verifyPinnedJws } from '../devices/pinned-jws.js';
import type { DeviceRow } from '../domain/devices.js';
import { ServerError } from '../errors.js';

/** How far in the future a report's iat may be (clock skew), seconds. */
export const MAX_FUTURE_SKEW_S = 300;
/** Most threats one report may carry. */
export const MAX_THREATS_PER_REPORT = 64;
/** Largest evidence of one threat, as JSON characters. */
export const MAX_EVIDENCE_CHARS = 2048;

/** A threat of a verified report. */
export interface ReportedThreat {
  class: string;
  code: string;
  severity: Severity;
  evidence: Record<string, unknown>;
  detectedAt: string;
}

/** A report or heartbeat whose signature and claims were checked. */
export interface VerifiedReport {
  typ: 'threat-report' | 'heartbeat';
  deviceId: string;
  seq: number;
  iat: number;
  stateCounter: string | null;
  scan?: {
    scanId: string;
    reason: string;
    clean: boolean;
    threats: ReportedThreat[];
  };
}

const invalid = (m: string) => new ServerError(ApiErrorCode.THREAT_REPORT_INVALID, `threat report: ${m}`);
const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const shortStr = (v: unknown, max: number): v is string =>
  typeof v === 'string' && v.length > 0 && v.length <= max;

function checkThreat(t: unknown): ReportedThreat {
  if (!isObj(t)) throw invalid('a threat is not an object');
  if (!shortStr(t.class, 32) || !/^[a-z][a-z0-9_-]*$/.test(t.class)) throw invalid('threat class');
  if (!shortStr(t.code, 64) || !/^[A-Z][A-Z0-9_]*$/.test(t.code)) throw invalid('threat code');
  if (!isSeverity(t.severity)) throw invalid('threat severity');
  if (!isObj(t.evidence)) throw invalid('threat evidence');
  if (JSON.stringify(t.evidence).length > MAX_EVIDENCE_CHARS) throw invalid('threat evidence too large');
  if (!shortStr(t.detectedAt, 40)) throw invalid('threat detectedAt');
  return {
    class: t.class,
    code: t.code,
    severity: t.severity,
    evidence: t.evidence,
    detectedAt: t.detectedAt,
  };
}

/** Verifies a report against the device's pinned platform key; touches no store. */
export async function verifyThreatReport(
  device: DeviceRow,
  jws: string,
  nowMs: number,
  maxAgeSeconds: number,
): Promise<VerifiedReport> {
  const v = await verifyPinnedJws(jws, device.platformJwk, {
    typ: DEVICE_REPORT_TYP,
    kid: device.platformKid,
  });
  if ('failure' in v)
    throw invalid(
      {
        signature: 'signature does not verify with the platform key pinned for the device',
        typ: `header typ must be ${DEVICE_REPORT_TYP}`,
        kid: 'kid does not name the pinned platform key',
        json: 'payload is not JSON',
        object: 'payload is not an object',
      }[v.failure],
    );
  const c = v.claims;
  if (c.typ !== 'threat-report' && c.typ !== 'heartbeat')
    throw invalid('typ must be threat-report or heartbeat');
  if (c.deviceId !== device.deviceId) throw invalid('deviceId does not match');
  if (typeof c.seq !== 'number' || !Number.isSafeInteger(c.seq) || c.seq < 1) throw invalid('seq');
  if (typeof c.iat !== 'number' || !Number.isInteger(c.iat)) throw invalid('iat missing');
  const now = Math.floor(nowMs / 1000);
  if (c.iat - now > MAX_FUTURE_SKEW_S) throw invalid('iat is in the future');
  if (now - c.iat > maxAgeSeconds) throw invalid('iat is too old');
  let stateCounter: string | null = null;
  if (c.stateCounter !== undefined) {
    if (typeof c.stateCounter !== 'string' || !/^(0|[1-9][0-9]{0,19})$/.test(c.stateCounter))
      throw invalid('stateCounter must be a decimal string');
    stateCounter = c.stateCounter;
  }
  const out: VerifiedReport = { typ: c.typ, deviceId: device.deviceId, seq: c.seq, iat: c.iat, stateCounter };
  if (c.typ === 'heartbeat') {
    if (c.scan !== undefined) throw invalid('a heartbeat carries no scan');
    return out;
  }
  const scan = c.scan;
  if (!isObj(scan)) throw invalid('scan missing');
  if (!shortStr(scan.scanId, 128)) throw invalid('scan.scanId');
  if (scan.reason !== 'start' && scan.reason !== 'periodic' && scan.reason !== 'payment')
    throw invalid('scan.reason');
  if (typeof scan.clean !== 'boolean') throw invalid('scan.clean');
  if (!Array.isArray(scan.threats) || scan.threats.length > MAX_THREATS_PER_REPORT)
    throw invalid('scan.threats');
  out.scan = {
    scanId: scan.scanId,
    reason: scan.reason,
    clean: scan.clean,
    threats: scan.threats.map(checkThreat),
  };
  return out;
}
