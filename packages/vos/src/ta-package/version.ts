/**
 * TA versions: strict `MAJOR.MINOR.PATCH` (Semantic Versioning 2.0.0 §2, without pre-release or
 * build suffixes so that the order is total and unambiguous) and their comparison. The order is
 * what the per-UUID anti-rollback floor relies on (OP-TEE `ree_fs_ta.c: check_update_version`).
 */
import { TeeResult, VosError } from '../gp/result-codes.js';

const SEMVER = /^(0|[1-9][0-9]{0,9})\.(0|[1-9][0-9]{0,9})\.(0|[1-9][0-9]{0,9})$/;
const U32_MAX = 0xffffffff;

/** `[major, minor, patch]` when `value` is a strict x.y.z with each part a u32, else `undefined`. */
export function parseVersion(value: unknown): [number, number, number] | undefined {
  if (typeof value !== 'string') return undefined;
  const m = SEMVER.exec(value);
  if (!m) return undefined;
  const parts = [Number(m[1]), Number(m[2]), Number(m[3])] as [number, number, number];
  return parts.every((p) => p <= U32_MAX) ? parts : undefined;
}

export function isVersion(value: unknown): value is string {
  return parseVersion(value) !== undefined;
}

/**
 * -1, 0 or 1 as `a` is lower than, equal to or higher than `b`.
 * Throws VosError TEE_ERROR_BAD_PARAMETERS when either is not a strict x.y.z.
 */
export function compareVersions(a: string, b: string): number {
  const pa = parseVersion(a);
  const pb = parseVersion(b);
  if (!pa || !pb) {
    throw new VosError(TeeResult.ERROR_BAD_PARAMETERS, 'version must be MAJOR.MINOR.PATCH (each a u32)');
  }
  for (let i = 0; i < 3; i++) {
    if (pa[i]! !== pb[i]!) return pa[i]! < pb[i]! ? -1 : 1;
  }
  return 0;
}
