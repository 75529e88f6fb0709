/**
 * V-OS attestation (docs/attestation.md; docs/threat-model.md "Protection levels"): the
 * protection level from the measured isolation, the ES256 platform identity, the attestation JWS
 * (RFC 7515) and the signed device reports. The claims' schema and the verifier live in
 * @openvse/attestation, which the server uses without this runtime.
 */
export { createAttestation } from './create-attestation.js';
export { type DeviceReportClaims, parseScan, signDeviceReport } from './device-report.js';
export { signDeviceRequest } from './device-request.js';
export { PlatformIdentity } from './platform-identity.js';
export { computeProtectionLevel, EMBEDDED_ISOLATION } from './protection-level.js';
