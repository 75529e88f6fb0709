/**
 * Signed TA packages (OP-TEE signed TA header, trusted_applications.rst; Ed25519 RFC 8032):
 * manifest schema, bundle packing and verification, signing keys, the per-UUID version floor, and
 * the static check that a TA's code will load (load-check.ts).
 * Format: docs/ta-packages.md.
 */
export {
  BUNDLE_FORMAT_VERSION,
  BUNDLE_MAGIC,
  MAX_BUNDLE_LENGTH,
  MAX_CODE_LENGTH,
  MAX_MANIFEST_LENGTH,
} from './bundle-format.js';
export { isTaCapability, TA_CAPABILITIES, type TaCapability } from './capabilities.js';
export { checkTaCode, type TaLoadProblem, type TaLoadRule } from './load-check.js';
export type { TaManifest, TaManifestInput } from './manifest.js';
export { packTa, type TaPackInput } from './pack.js';
export {
  generateTaSigningKeyPair,
  loadTaPublicKey,
  loadTaSigningKey,
  type TaSigningKeyPair,
  taKeyId,
} from './signing-keys.js';
export { type VerifiedTa, verifyTaBundle } from './verify.js';
export { compareVersions } from './version.js';
export { VersionFloor, type VersionFloorStore } from './version-floor.js';
