/**
 * Roots of trust for V-OS sealed storage (docs/sealed-storage.md "Roots of trust"; OP-TEE secure_storage.rst
 * key hierarchy): a device-bound key file by default, a PKCS#11 token when configured.
 */
export { defaultDeviceIdentity, deviceIdFromIdentity } from './device-identity.js';
export { KEY_FILE_NAME, openKeyFileRoot } from './keyfile-root.js';
export { DEFAULT_ROOT_KEY_LABEL, openPkcs11Root, type Pkcs11RootOptions } from './pkcs11-root.js';
export type { MonotonicAnchor, RootOfTrust, RootOfTrustDescription } from './types.js';
