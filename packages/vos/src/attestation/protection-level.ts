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
import { TeeResult, VosError } from '../gp/result-codes.js';
import { type PermissionModelState, permissionModelEnforced } from './permission-model.js';

export type ProtectionLevel = 'L0' | 'L1' | 'L2';

export const PROTECTION_LEVELS: readonly ProtectionLevel[] = Object.freeze(['L0', 'L1', 'L2'] as const);

export function isProtectionLevel(value: unknown): value is ProtectionLevel {
  return value === 'L0' || value === 'L1' || value === 'L2';
}

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
