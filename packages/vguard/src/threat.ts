/** Builds a Threat from its stable code (class and default severity from codes.ts). */
import { THREAT_CODES, type ThreatCode } from './codes.js';
import type { Evidence, Severity, Threat } from './types.js';

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
