/**
 * Device reports: threat reports and heartbeats signed by the V-OS platform identity
 * (docs/cbp-protocol.md §6). The normal world (V-Guard, the SDK) produces the scan; V-OS adds its
 * device id, a sequence number kept in sealed storage (strictly increasing, so the server can
 * refuse replays and see gaps) and its state counter, and signs the whole as a compact JWS (ES256,
 * `typ: openvse-threat+jwt`, RFC 7515) with `jose`. The normal world can relay a report but not
 * forge or replay one.
 */

import {
  DEVICE_REPORT_TYP,
  type DeviceReportKind,
  SIGNATURE_ALG,
  TeeResult,
  VosError,
} from '@openvse/protocol';
import { SignJWT } from 'jose';
import { identitySigningKey, type PlatformIdentity } from './platform-identity.js';

/**
 * The payload of a threat report or heartbeat (docs/cbp-protocol.md §6); {@link signDeviceReport}
 * adds `iat`.
 */
export type DeviceReportClaims = {
  /** 'threat-report' or 'heartbeat'. */
  typ: DeviceReportKind;
  /** The root of trust's device id. */
  deviceId: string;
  /** Sequence number kept in sealed storage, strictly increasing per device from 1. */
  seq: number;
  /** The sealed store's commit counter, as a decimal string. */
  stateCounter: string;
  /** V-Guard's scan (a JSON object); threat reports only. */
  scan?: unknown;
};

/** Largest scan V-OS signs (a V-Guard ScanReport is a few kilobytes at most). */
export const MAX_SCAN_JSON = 64 * 1024;

/** Parses and bounds the scan JSON the normal world hands in; refuses anything but an object. */
export function parseScan(scanJson: string): Record<string, unknown> {
  if (typeof scanJson !== 'string' || scanJson.length > MAX_SCAN_JSON)
    throw new VosError(TeeResult.ERROR_BAD_PARAMETERS, 'report: scan must be a JSON string up to 64 KiB');
  let scan: unknown;
  try {
    scan = JSON.parse(scanJson);
  } catch {
    throw new VosError(TeeResult.ERROR_BAD_PARAMETERS, 'report: scan is not valid JSON');
  }
  if (typeof scan !== 'object' || scan === null || Array.isArray(scan))
    throw new VosError(TeeResult.ERROR_BAD_PARAMETERS, 'report: scan must be a JSON object');
  return scan as Record<string, unknown>;
}

/**
 * Signs `claims` with the platform identity into a compact JWS (RFC 7515): ES256 (RFC 7518 §3.4),
 * header `typ: openvse-threat+jwt` and `kid` = the identity's RFC 7638 thumbprint, plus `iat`. It
 * signs what it is given; the caller advances `seq`. Rejects with VosError TEE_ERROR_BAD_PARAMETERS
 * when `identity` is not a {@link PlatformIdentity}.
 */
export async function signDeviceReport(
  identity: PlatformIdentity,
  claims: DeviceReportClaims,
): Promise<string> {
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: SIGNATURE_ALG, typ: DEVICE_REPORT_TYP, kid: identity.keyId })
    .setIssuedAt()
    .sign(identitySigningKey(identity));
}
