/**
 * @openvse/vos — V-OS, the virtual secure element runtime: a worker_threads secure world with
 * SES lockdown, one SES Compartment per signed TA, a GP-shaped client API (GP TEE Client API
 * v1.0), key objects and sealed storage (GP TEE Internal Core API v1.3, OP-TEE).
 * The normal world uses `startVos` and nothing else; see docs/writing-a-ta.md.
 */

// The GP vocabulary of the client API (defined once in @openvse/protocol).
export {
  MAX_PARAMS,
  ParamType,
  type ProtectionLevel,
  packParamTypes,
  paramTypeAt,
  TeeOrigin,
  TeeResult,
  teeResultName,
  VosError,
} from '@openvse/protocol';
export {
  computeProtectionLevel,
  createAttestation,
  type DeviceReportClaims,
  EMBEDDED_ISOLATION,
  PlatformIdentity,
  signDeviceReport,
  signDeviceRequest,
} from './attestation/index.js';
export {
  MAX_MEMREF_SIZE,
  type MemrefParam,
  type NoneParam,
  type ParamDirection,
  type ValueParam,
  type VosOutParam,
  type VosParam,
} from './gp/params.js';
export {
  connectVos,
  type InvokeResult,
  startVos,
  VOS_VERSION,
  type VosClient,
  type VosSession,
} from './host/client.js';
export type { VosConfig } from './host/config.js';
export type { ResourceLimits } from './host/worker-link.js';
export {
  type LaunchEvent,
  type Launched,
  type LaunchOptions,
  launch,
  type RunAs,
} from './launcher/launch.js';
export {
  checkTaCode,
  generateTaSigningKeyPair,
  loadTaPublicKey,
  MAX_BUNDLE_LENGTH,
  packTa,
  TA_CAPABILITIES,
  type TaCapability,
  type TaLoadProblem,
  type TaLoadRule,
  type TaManifest,
  type TaManifestInput,
  type TaSigningKeyPair,
  taKeyId,
  type VerifiedTa,
  verifyTaBundle,
} from './ta-package/index.js';
