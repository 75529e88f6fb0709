/**
 * The protection level V-OS reports, honestly, in every attestation (docs/threat-model.md
 * "Protection levels"; docs/process-boundary.md "Levels"), from the isolation V-OS measured from
 * outside the app — never from values the app's code can patch:
 *   L0  the secure world is a worker inside the app's own process (embedded mode), or the app
 *       could reach it (not confined), or V-Guard flagged a threat;
 *   L1  V-OS in its own OS process, the app confined by Node's permission model (no worker,
 *       child process, addon, WASI, inspector, /proc access) and not traced;
 *   L2  L1 with V-OS under an OS user other than the app's, so that the kernel refuses ptrace and
 *       /proc/<pid>/mem even to native code in the app.
 * The root of trust (key file, software token, hardware token) is reported beside the level, not
 * folded into it. The server decides what level provisioning or payment needs.
 */
import type { Isolation } from '@openvse/attestation';
import { type ProtectionLevel, TeeResult, VosError } from '@openvse/protocol';

/** The isolation of the embedded mode: a worker in the app's process, L0 by definition. */
export const EMBEDDED_ISOLATION: Isolation = Object.freeze({
  mode: 'embedded',
  appConfined: false,
  separateUser: false,
});

/** The level the measured isolation supports, L0 whenever a threat is flagged. */
export function computeProtectionLevel(input: {
  isolation: Isolation;
  threatFlags: readonly string[];
}): ProtectionLevel {
  if (typeof input !== 'object' || input === null || !Array.isArray(input.threatFlags)) {
    throw new VosError(
      TeeResult.ERROR_BAD_PARAMETERS,
      'computeProtectionLevel needs isolation and threatFlags',
    );
  }
  const i = input.isolation;
  if (input.threatFlags.length > 0 || typeof i !== 'object' || i === null) return 'L0';
  if (i.mode !== 'process' || i.appConfined !== true) return 'L0';
  return i.separateUser === true ? 'L2' : 'L1';
}
