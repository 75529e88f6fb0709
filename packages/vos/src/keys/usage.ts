/**
 * Key usage flags (GP TEE Internal Core API v1.3 §5.3 / OP-TEE tee_api_defines.h TEE_USAGE_*)
 * and the rules V-OS adds (docs/design.md "Key objects"):
 *  - usage can only be narrowed (OP-TEE syscall_cryp_obj_restrict_usage: `usage &= new`);
 *  - there is no EXTRACTABLE flag at all: secret bytes never leave the key manager;
 *  - a DERIVE key cannot also ENCRYPT, DECRYPT or MAC (else the TA could compute a derived key's
 *    value itself, the SoftHSM CKM_DES3_ECB_ENCRYPT_DATA issue in docs/design.md "Key objects");
 *  - a WRAP (unwrapping) key cannot also DECRYPT (else wrapped keys could be read in clear).
 * TAs write usages as arrays of names: ['encrypt', 'mac', ...].
 */
import { TeeResult } from '@openvse/protocol';
import { TeeError } from '../worker/tee-error.js';

export const Usage = {
  ENCRYPT: 0x2,
  DECRYPT: 0x4,
  MAC: 0x8,
  SIGN: 0x10,
  VERIFY: 0x20,
  DERIVE: 0x40,
  WRAP: 0x80,
} as const;

const BY_NAME: Record<string, number> = {
  encrypt: Usage.ENCRYPT,
  decrypt: Usage.DECRYPT,
  mac: Usage.MAC,
  sign: Usage.SIGN,
  verify: Usage.VERIFY,
  derive: Usage.DERIVE,
  wrap: Usage.WRAP,
};
const NAMES = Object.keys(BY_NAME);

/** Parses ['encrypt', ...] into a bitmask; throws BAD_PARAMETERS on anything else. */
export function parseUsage(v: unknown): number {
  if (!Array.isArray(v) || v.length === 0 || v.length > NAMES.length) {
    throw new TeeError(TeeResult.ERROR_BAD_PARAMETERS, 'usage must be a non-empty array of usage names');
  }
  let mask = 0;
  for (let i = 0; i < v.length; i++) {
    const name = v[i];
    const bit = typeof name === 'string' && Object.hasOwn(BY_NAME, name) ? BY_NAME[name] : undefined;
    if (bit === undefined) throw new TeeError(TeeResult.ERROR_BAD_PARAMETERS, 'unknown usage name');
    mask |= bit;
  }
  checkUsageRules(mask);
  return mask;
}

export function checkUsageRules(mask: number): void {
  if (mask & Usage.DERIVE && mask & (Usage.ENCRYPT | Usage.DECRYPT | Usage.MAC)) {
    throw new TeeError(TeeResult.ERROR_BAD_PARAMETERS, 'a derive key cannot also encrypt, decrypt or mac');
  }
  if (mask & Usage.WRAP && mask & Usage.DECRYPT) {
    throw new TeeError(TeeResult.ERROR_BAD_PARAMETERS, 'a wrap key cannot also decrypt');
  }
}

export function usageNames(mask: number): string[] {
  return NAMES.filter((n) => (mask & BY_NAME[n]!) !== 0);
}

export function requireUsage(mask: number, need: number): void {
  if ((mask & need) !== need)
    throw new TeeError(TeeResult.ERROR_ACCESS_DENIED, 'key usage does not allow this operation');
}
