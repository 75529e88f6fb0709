/**
 * How a Trusted Application is named: its UUID (RFC 4122, written in lowercase as GP TEE Internal
 * Core API v1.3 §3.2 TEE_UUID values are printed by OP-TEE) and its version (strict
 * MAJOR.MINOR.PATCH, Semantic Versioning 2.0.0 §2 without pre-release or build suffixes so that
 * versions are totally ordered — the per-UUID version floor relies on that order).
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const SEMVER = /^(0|[1-9][0-9]{0,9})\.(0|[1-9][0-9]{0,9})\.(0|[1-9][0-9]{0,9})$/;
const U32_MAX = 0xffffffff;

/** RFC 4122 UUID in lowercase (versions 1..8, variant 10xx); the nil UUID is refused. */
export function isTaUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** `[major, minor, patch]` when `value` is a strict x.y.z whose parts are u32, else undefined. */
export function parseTaVersion(value: unknown): [number, number, number] | undefined {
  if (typeof value !== 'string') return undefined;
  const m = SEMVER.exec(value);
  if (!m) return undefined;
  const parts = [Number(m[1]), Number(m[2]), Number(m[3])] as [number, number, number];
  return parts.every((p) => p <= U32_MAX) ? parts : undefined;
}

/** True for a strict MAJOR.MINOR.PATCH version string. */
export function isTaVersion(value: unknown): value is string {
  return parseTaVersion(value) !== undefined;
}
