/**
 * TA versions: strict `MAJOR.MINOR.PATCH` (Semantic Versioning 2.0.0 §2, without pre-release or
 * build suffixes so that the order is total and unambiguous) and their comparison. The order is
 * what the per-UUID anti-rollback floor relies on (OP-TEE `ree_fs_ta.c: check_update_version`).
 */
import { parseTaVersion, TeeResult, VosError } from '@openvse/protocol';

/**
 * -1, 0 or 1 as `a` is lower than, equal to or higher than `b`.
 * Throws VosError TEE_ERROR_BAD_PARAMETERS when either is not a strict x.y.z.
 */
export function compareVersions(a: string, b: string): number {
  const pa = parseTaVersion(a);
  const pb = parseTaVersion(b);
  if (!pa || !pb) {
    throw new VosError(TeeResult.ERROR_BAD_PARAMETERS, 'version must be MAJOR.MINOR.PATCH (each a u32)');
  }
  for (let i = 0; i < 3; i++) {
    if (pa[i]! !== pb[i]!) return pa[i]! < pb[i]! ? -1 : 1;
  }
  return 0;
}
