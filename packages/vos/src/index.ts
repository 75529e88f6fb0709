/**
 * @openvse/vos — V-OS, the virtual secure element runtime: a worker_threads secure world with
 * SES lockdown, one SES Compartment per signed TA, a GP-shaped client API (GP TEE Client API
 * v1.0), key objects and sealed storage (GP TEE Internal Core API v1.3, OP-TEE).
 * The normal world uses `startVos` and nothing else; see docs/writing-a-ta.md.
 */

export {
  ATTESTATION_ALG,
  ATTESTATION_TYP,
  type AttestationClaims,
  computeProtectionLevel,
  createAttestation,
  DEVICE_REPORT_TYP,
  type DeviceReportClaims,
  type DeviceReportKind,
  detectPermissionModel,
  isProtectionLevel,
  PlatformIdentity,
  PROTECTION_LEVELS,
  type ProtectionLevel,
  signDeviceReport,
  type VerifiedAttestation,
  verifyAttestation,
} from './attestation/index.js';
export {
  MAX_MEMREF_SIZE,
  type MemrefParam,
  type NoneParam,
  type ParamDirection,
  ParamType,
  packParamTypes,
  paramTypeAt,
  type ValueParam,
  type VosOutParam,
  type VosParam,
} from './gp/params.js';
export { TeeOrigin, TeeResult, teeResultName, VosError } from './gp/result-codes.js';
export {
  type InvokeResult,
  startVos,
  VOS_VERSION,
  type VosClient,
  type VosSession,
} from './host/client.js';
export type { VosConfig } from './host/config.js';
export type { ResourceLimits } from './host/worker-link.js';
export {
  generateTaSigningKeyPair,
  isTaUuid,
  loadTaPublicKey,
  MAX_BUNDLE_LENGTH,
  packTa,
  TA_CAPABILITIES,
  type TaCapability,
  type TaManifest,
  type TaManifestInput,
  type TaSigningKeyPair,
  taKeyId,
  type VerifiedTa,
  verifyTaBundle,
} from './ta-package/index.js';
