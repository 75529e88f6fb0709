/**
 * V-OS attestation (docs/design.md "Attestation"; docs/threat-model.md "Protection levels"):
 * permission-model detection, the protection level, the ES256 platform identity, and the
 * attestation JWS (RFC 7515) with its verifier. Documented in docs/attestation.md.
 */
export { type AttestationClaims, claimsProblem } from './claims.js';
export { ATTESTATION_ALG, ATTESTATION_TYP, createAttestation } from './create-attestation.js';
export {
  DEVICE_REPORT_TYP,
  type DeviceReportClaims,
  type DeviceReportKind,
  parseScan,
  signDeviceReport,
} from './device-report.js';
export {
  detectPermissionModel,
  type PermissionModelState,
  permissionModelEnforced,
} from './permission-model.js';
export { PlatformIdentity } from './platform-identity.js';
export {
  computeProtectionLevel,
  isProtectionLevel,
  PROTECTION_LEVELS,
  type ProtectionLevel,
} from './protection-level.js';
export { type VerifiedAttestation, verifyAttestation } from './verify-attestation.js';
