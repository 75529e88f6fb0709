/**
 * Stable error codes of the threat-intelligence and fraud routes (docs/fraud-engine.md). They
 * follow the append-only rule of src/errors.ts; they live here so that this area owns them.
 */
import { ServerError, type ServerErrorCode } from '../errors.js';

export const FraudErrorCode = {
  /** Threat report / heartbeat: signature (pinned platform key), kid, typ, deviceId, iat, shape. */
  THREAT_REPORT_INVALID: 'ERR_THREAT_REPORT_INVALID',
  /** Threat report / heartbeat: seq not above the last one accepted for the device. */
  THREAT_REPORT_REPLAY: 'ERR_THREAT_REPORT_REPLAY',
  /** Reaction policy refused (unknown reaction, severity, empty rules). */
  POLICY_INVALID: 'ERR_POLICY_INVALID',
  /** The fraud engine asks for step-up (provisioning / replenishment). */
  RISK_STEP_UP: 'ERR_RISK_STEP_UP',
  /** The fraud engine declines (provisioning / replenishment). */
  RISK_DECLINED: 'ERR_RISK_DECLINED',
} as const;
export type FraudErrorCode = (typeof FraudErrorCode)[keyof typeof FraudErrorCode];

const STATUS: Record<FraudErrorCode, number> = {
  ERR_THREAT_REPORT_INVALID: 401,
  ERR_THREAT_REPORT_REPLAY: 409,
  ERR_POLICY_INVALID: 400,
  ERR_RISK_STEP_UP: 403,
  ERR_RISK_DECLINED: 403,
};

export function fraudError(code: FraudErrorCode, message: string): ServerError {
  return new ServerError(code as unknown as ServerErrorCode, message, STATUS[code]);
}
