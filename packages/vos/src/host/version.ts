/** Version of this V-OS runtime (semver), reported as `vosVersion` by `status()` and in attestations. */
export const VOS_VERSION = '0.1.0';
