/**
 * Fraud engine configuration (docs/fraud-engine.md "Rules and weights"). Every rule has a weight;
 * a decision sums the weights of the rules that fired: at or above `thresholds.decline` it
 * declines, at or above `thresholds.stepUp` it asks for step-up, below it approves. The
 * defaults are deliberately loose on velocity and provisioning counts, and the ATC rules other
 * than a jump weigh less than the step-up threshold even together: honest use (aborted taps,
 * out-of-order delivery from an acquirer, a retried replay) is never declined by them alone;
 * they count when another typology fires too.
 */
import type { ProtectionLevel } from '@openvse/protocol';

/** Every rule with its typology and default weight. */
export const RULES = {
  // device threats (V-Guard reports, heartbeats, attestation level)
  DEVICE_COMPROMISED: { typology: 'device_threats', weight: 100 },
  DEVICE_THREAT_CRITICAL: { typology: 'device_threats', weight: 60 },
  DEVICE_THREAT_HIGH: { typology: 'device_threats', weight: 40 },
  DEVICE_THREAT_MEDIUM: { typology: 'device_threats', weight: 20 },
  DEVICE_THREAT_LOW: { typology: 'device_threats', weight: 5 },
  DEVICE_RECENT_COMPROMISE: { typology: 'device_threats', weight: 30 },
  DEVICE_SILENT: { typology: 'device_threats', weight: 30 },
  THREAT_REPORT_GAPS: { typology: 'device_threats', weight: 15 },
  PROTECTION_LEVEL_LOW: { typology: 'device_threats', weight: 45 },
  // ATC anomalies
  ATC_GAP: { typology: 'atc', weight: 20 },
  ATC_JUMP: { typology: 'atc', weight: 60 },
  ATC_BEHIND: { typology: 'atc', weight: 10 },
  ATC_REPLAY_ATTEMPTS: { typology: 'atc', weight: 15 },
  // cryptogram failures
  CRYPTOGRAM_FAILURES: { typology: 'cryptogram', weight: 40 },
  CRYPTOGRAM_FAILURES_BURST: { typology: 'cryptogram', weight: 75 },
  WRONG_MOBILE_PIN: { typology: 'cryptogram', weight: 40 },
  // velocity
  VELOCITY_MINUTE: { typology: 'velocity', weight: 40 },
  VELOCITY_HOUR: { typology: 'velocity', weight: 30 },
  // amount
  AMOUNT_ABOVE_LIMIT: { typology: 'amount', weight: 40 },
  AMOUNT_UNUSUAL: { typology: 'amount', weight: 30 },
  // provisioning attempts
  PROVISION_VELOCITY_DEVICE: { typology: 'provisioning', weight: 45 },
  PROVISION_BURST_DEVICE: { typology: 'provisioning', weight: 80 },
  PROVISION_VELOCITY_CARD: { typology: 'provisioning', weight: 45 },
  ENROLL_VELOCITY_DEVICE: { typology: 'provisioning', weight: 30 },
  REPLENISH_VELOCITY_CARD: { typology: 'provisioning', weight: 40 },
} as const;
/** The id of one of the {@link RULES}. */
export type RuleId = keyof typeof RULES;
/** The typologies the rules are grouped in. */
export type Typology = (typeof RULES)[RuleId]['typology'];

/** The fraud engine's thresholds, weights and rule parameters (docs/fraud-engine.md "Rules and weights"). */
export interface FraudConfig {
  thresholds: { stepUp: number; decline: number };
  /** Weight overrides; 0 disables a rule. */
  weights: Partial<Record<RuleId, number>>;
  /** Devices attested below this level fire PROTECTION_LEVEL_LOW. */
  minProtectionLevel: ProtectionLevel;
  /** A report older than this is refused (reports queued offline are sent later). */
  maxReportAgeSeconds: number;
  /** DEVICE_RECENT_COMPROMISE: a blocking threat received within this window. */
  recentCompromiseSeconds: number;
  /** THREAT_REPORT_GAPS: total seq gaps at or above this. */
  reportGaps: number;
  /**
   * Withholding (docs/threat-model.md): a device that had been reporting and then sent no report
   * nor heartbeat for longer than `declineAfterSeconds` has its authorizations declined
   * `DEVICE_SILENT`, whatever the score. `'policy'` (default): the reaction policy's silence
   * window, 3 × heartbeatSeconds (180 s by default), when the device shows `silent`; a number of
   * seconds for a bank that tolerates longer offline periods; false: never (silence is then only
   * the weighted `DEVICE_SILENT` rule). Provisioning and replenishment keep the weighted rule.
   */
  silence: { declineAfterSeconds: number | 'policy' | false };
  atc: {
    /** Gaps up to this many ATCs are honest (aborted taps, declined before the server). */
    gapTolerance: number;
    /** A gap above this is a jump. */
    jump: number;
    replayWindowSeconds: number;
  };
  cryptogram: { windowSeconds: number; failures: number; burst: number; wrongPin: number };
  velocity: { perMinute: number; perHour: number };
  amount: { limit: number; unusualFactor: number; minHistory: number; historyDays: number };
  provisioning: {
    windowSeconds: number;
    perDevice: number;
    perDeviceBurst: number;
    perCard: number;
    enrollPerDevice: number;
    replenishPerCardHour: number;
  };
}

/** The configuration when none is given. */
export const DEFAULT_FRAUD_CONFIG: Readonly<FraudConfig> = Object.freeze({
  thresholds: { stepUp: 40, decline: 70 },
  weights: {},
  minProtectionLevel: 'L1',
  maxReportAgeSeconds: 7 * 86_400,
  recentCompromiseSeconds: 86_400,
  reportGaps: 5,
  silence: { declineAfterSeconds: 'policy' as const },
  atc: { gapTolerance: 10, jump: 100, replayWindowSeconds: 86_400 },
  cryptogram: { windowSeconds: 3600, failures: 5, burst: 15, wrongPin: 3 },
  velocity: { perMinute: 30, perHour: 200 },
  amount: { limit: 150_000, unusualFactor: 10, minHistory: 5, historyDays: 30 },
  provisioning: {
    windowSeconds: 86_400,
    perDevice: 20,
    perDeviceBurst: 40,
    perCard: 5,
    enrollPerDevice: 5,
    replenishPerCardHour: 60,
  },
});

/** ServerConfig.fraud: any part of {@link FraudConfig}, the rest from the defaults. */
export type FraudConfigInput = {
  [K in keyof FraudConfig]?: FraudConfig[K] extends Record<string, unknown>
    ? Partial<FraudConfig[K]>
    : FraudConfig[K];
};

/** The defaults with `input` applied; throws on thresholds out of order or an unknown weight. */
export function resolveFraudConfig(input: FraudConfigInput = {}): FraudConfig {
  const d = DEFAULT_FRAUD_CONFIG;
  const c: FraudConfig = {
    thresholds: { ...d.thresholds, ...input.thresholds },
    weights: { ...input.weights },
    minProtectionLevel: input.minProtectionLevel ?? d.minProtectionLevel,
    maxReportAgeSeconds: input.maxReportAgeSeconds ?? d.maxReportAgeSeconds,
    recentCompromiseSeconds: input.recentCompromiseSeconds ?? d.recentCompromiseSeconds,
    reportGaps: input.reportGaps ?? d.reportGaps,
    silence: { ...d.silence, ...input.silence },
    atc: { ...d.atc, ...input.atc },
    cryptogram: { ...d.cryptogram, ...input.cryptogram },
    velocity: { ...d.velocity, ...input.velocity },
    amount: { ...d.amount, ...input.amount },
    provisioning: { ...d.provisioning, ...input.provisioning },
  };
  if (!(c.thresholds.stepUp > 0 && c.thresholds.decline >= c.thresholds.stepUp))
    throw new Error('fraud.thresholds: expected 0 < stepUp <= decline');
  const silent = c.silence.declineAfterSeconds;
  if (!(silent === 'policy' || silent === false || (Number.isInteger(silent) && silent > 0)))
    throw new Error("fraud.silence.declineAfterSeconds: expected 'policy', false or a positive integer");
  for (const [k, w] of Object.entries(c.weights))
    if (!(k in RULES) || typeof w !== 'number' || !(w >= 0))
      throw new Error(`fraud.weights.${k}: unknown or negative`);
  return c;
}

/** A rule's weight: the configured override, else its default. */
export function weightOf(c: FraudConfig, id: RuleId): number {
  return c.weights[id] ?? RULES[id].weight;
}
