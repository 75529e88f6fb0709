/**
 * Builds a Threat from its stable code: class and default severity come from the wire contract's
 * THREAT_CODES table (packages/protocol/src/threats/codes.ts; docs/vguard.md lists the detector
 * behind each code).
 */
import { type Evidence, type Severity, THREAT_CODES, type Threat, type ThreatCode } from '@openvse/protocol';

export function threat(code: ThreatCode, evidence: Evidence, at: Date | string, severity?: Severity): Threat {
  const info = THREAT_CODES[code];
  return {
    class: info.class,
    code,
    severity: severity ?? info.severity,
    evidence,
    detectedAt: typeof at === 'string' ? at : at.toISOString(),
  };
}
