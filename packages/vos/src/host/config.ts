/**
 * `startVos` configuration and its checks (docs/design.md "The host": host settings). Bad
 * configuration fails early with TEE_ERROR_BAD_PARAMETERS, origin API.
 */
import { TeeOrigin, TeeResult, VosError } from '@openvse/protocol';
import type { RootOfTrustConfig } from '../worker/protocol.js';
import type { ResourceLimits } from './worker-link.js';

/**
 * Configuration of `startVos` (docs/design.md "The host"); a missing or ill-typed member makes it
 * reject with VosError TEE_ERROR_BAD_PARAMETERS, origin API.
 */
export type VosConfig = {
  /** Directory of the sealed store and the key-file root. */
  dataDir: string;
  /** PEM SPKI Ed25519 public keys allowed to sign TA bundles. */
  pinnedTaKeys: string[];
  /** Default: `{ kind: 'keyfile' }`. */
  rootOfTrust?: RootOfTrustConfig;
  /** Deadline of one command when the TA manifest sets none (default 5000 ms). */
  commandTimeoutMs?: number;
  /** V8 limits of the secure-world worker (defaults: 64 MB old space, 4 MB stack). */
  resourceLimits?: ResourceLimits;
};

export const DEFAULT_COMMAND_TIMEOUT_MS = 5000;
export const DEFAULT_RESOURCE_LIMITS: Required<
  Pick<ResourceLimits, 'maxOldGenerationSizeMb' | 'stackSizeMb'>
> = {
  maxOldGenerationSizeMb: 64,
  stackSizeMb: 4,
};

function bad(message: string): VosError {
  return new VosError(TeeResult.ERROR_BAD_PARAMETERS, `startVos: ${message}`, TeeOrigin.API);
}

const LIMIT_KEYS = [
  'maxOldGenerationSizeMb',
  'maxYoungGenerationSizeMb',
  'codeRangeSizeMb',
  'stackSizeMb',
] as const;

export type CheckedConfig = {
  dataDir: string;
  pinnedTaKeys: string[];
  rootOfTrust: RootOfTrustConfig;
  commandTimeoutMs: number;
  resourceLimits: ResourceLimits;
};

/** A fresh, checked copy of the configuration. */
export function checkConfig(config: VosConfig): CheckedConfig {
  if (typeof config !== 'object' || config === null) throw bad('config must be an object');
  const { dataDir, pinnedTaKeys, rootOfTrust, commandTimeoutMs, resourceLimits } = config;
  if (typeof dataDir !== 'string' || dataDir.length === 0) throw bad('dataDir must be a non-empty path');
  if (
    !Array.isArray(pinnedTaKeys) ||
    pinnedTaKeys.some((k) => typeof k !== 'string' || !k.includes('PUBLIC KEY'))
  ) {
    throw bad('pinnedTaKeys must be an array of PEM SPKI public keys');
  }
  let root: RootOfTrustConfig = { kind: 'keyfile' };
  if (rootOfTrust !== undefined) {
    if (rootOfTrust?.kind === 'keyfile') {
      const id = rootOfTrust.deviceIdentity;
      if (id !== undefined && typeof id !== 'string')
        throw bad('rootOfTrust.deviceIdentity must be a string');
      root = id === undefined ? { kind: 'keyfile' } : { kind: 'keyfile', deviceIdentity: id };
    } else if (rootOfTrust?.kind === 'pkcs11') {
      const { module, tokenLabel, pin } = rootOfTrust;
      if (typeof module !== 'string' || typeof tokenLabel !== 'string' || typeof pin !== 'string') {
        throw bad('rootOfTrust pkcs11 needs module, tokenLabel and pin strings');
      }
      root = { kind: 'pkcs11', module, tokenLabel, pin };
    } else {
      throw bad("rootOfTrust.kind must be 'keyfile' or 'pkcs11'");
    }
  }
  const timeout = commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  if (!Number.isInteger(timeout) || timeout < 1 || timeout > 600_000)
    throw bad('commandTimeoutMs must be 1..600000');
  const limits: ResourceLimits = { ...DEFAULT_RESOURCE_LIMITS };
  if (resourceLimits !== undefined) {
    if (typeof resourceLimits !== 'object' || resourceLimits === null)
      throw bad('resourceLimits must be an object');
    for (const k of LIMIT_KEYS) {
      const v = resourceLimits[k];
      if (v === undefined) continue;
      if (typeof v !== 'number' || !(v > 0) || v > 16384)
        throw bad(`resourceLimits.${k} must be a positive number of MB`);
      limits[k] = v;
    }
  }
  return {
    dataDir,
    pinnedTaKeys: [...pinnedTaKeys],
    rootOfTrust: root,
    commandTimeoutMs: timeout,
    resourceLimits: limits,
  };
}
