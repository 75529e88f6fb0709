/**
 * Protection levels V-OS reports in every attestation and the server's enrollment policy compares
 * (docs/threat-model.md says what each one stops and what it does not): L0 < L1 < L2.
 */

/** The levels, lowest first. */
export const PROTECTION_LEVELS = Object.freeze(['L0', 'L1', 'L2'] as const);
/** One of {@link PROTECTION_LEVELS}. */
export type ProtectionLevel = (typeof PROTECTION_LEVELS)[number];

/** True for 'L0', 'L1' or 'L2'. */
export function isProtectionLevel(value: unknown): value is ProtectionLevel {
  return value === 'L0' || value === 'L1' || value === 'L2';
}

/** True when `level` is at least `minimum`. */
export function levelAtLeast(level: ProtectionLevel, minimum: ProtectionLevel): boolean {
  return PROTECTION_LEVELS.indexOf(level) >= PROTECTION_LEVELS.indexOf(minimum);
}
