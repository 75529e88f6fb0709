/**
 * The protection level V-OS reports, honestly, in every attestation (docs/threat-model.md
 * "Protection levels"; docs/attestation.md "Protection level"):
 *   L0  worker + SES compartments only;
 *   L1  L0 + Node's permission model active and denying the inspector, child processes, native
 *       addons, WASI and reads of /proc/self/mem, and no V-Guard threat flagged;
 *   L2  L1 + a hardware-backed root of trust for the sealed-storage key.
 * The server decides what level provisioning or payment needs; what each level does not stop is
 * written in docs/threat-model.md.
 */
import { type ProtectionLevel, TeeResult, VosError } from '@openvse/protocol';
import { type PermissionModelState, permissionModelEnforced } from './permission-model.js';

/** The level the evidence supports: L0 unless the permission model holds and nothing is flagged. */
export function computeProtectionLevel(input: {
  permissionModel: PermissionModelState;
  threatFlags: string[];
  hardwareRoot: boolean;
}): ProtectionLevel {
  if (typeof input !== 'object' || input === null || !Array.isArray(input.threatFlags)) {
    throw new VosError(
      TeeResult.ERROR_BAD_PARAMETERS,
      'computeProtectionLevel needs permissionModel, threatFlags, hardwareRoot',
    );
  }
  const pm = input.permissionModel;
  const enforced =
    typeof pm === 'object' &&
    pm !== null &&
    typeof pm.denies === 'object' &&
    pm.denies !== null &&
    permissionModelEnforced(pm);
  if (!enforced || input.threatFlags.length > 0) return 'L0';
  return input.hardwareRoot === true ? 'L2' : 'L1';
}
