/**
 * Key object types V-OS knows, their sizes, and the TA capability each needs (GP TEE Internal
 * Core API v1.3 §5.7 TEE_TYPE_DES3 / TEE_TYPE_AES / TEE_TYPE_HMAC_* / TEE_TYPE_GENERIC_SECRET /
 * TEE_TYPE_ECDSA_KEYPAIR / TEE_TYPE_ED25519_KEYPAIR, with byte sizes instead of bit sizes).
 */
import { TeeResult } from '@openvse/protocol';
import { TeeError } from '../worker/tee-error.js';

export type KeyType = 'DES3' | 'AES' | 'HMAC' | 'GENERIC_SECRET' | 'EC_P256' | 'ED25519';

type TypeInfo = { sizes: readonly number[]; defaultSize: number; capability: string; asymmetric: boolean };

export const KEY_TYPES: Readonly<Record<KeyType, TypeInfo>> = {
  DES3: { sizes: [16, 24], defaultSize: 16, capability: 'crypto.tdes', asymmetric: false },
  AES: { sizes: [16, 24, 32], defaultSize: 32, capability: 'crypto.aes', asymmetric: false },
  HMAC: { sizes: [16, 24, 32, 48, 64], defaultSize: 32, capability: 'crypto.sha', asymmetric: false },
  GENERIC_SECRET: {
    sizes: [16, 24, 32, 48, 64],
    defaultSize: 32,
    capability: 'crypto.hkdf',
    asymmetric: false,
  },
  EC_P256: { sizes: [32], defaultSize: 32, capability: 'crypto.ec', asymmetric: true },
  ED25519: { sizes: [32], defaultSize: 32, capability: 'crypto.ed25519', asymmetric: true },
};

export function keyTypeInfo(
  type: unknown,
  capabilities: ReadonlySet<string>,
): { type: KeyType; info: TypeInfo } {
  if (typeof type !== 'string' || !Object.hasOwn(KEY_TYPES, type)) {
    throw new TeeError(TeeResult.ERROR_NOT_SUPPORTED, 'unknown key type');
  }
  const info = KEY_TYPES[type as KeyType];
  if (!capabilities.has(info.capability)) {
    throw new TeeError(TeeResult.ERROR_ACCESS_DENIED, `key type ${type} needs capability ${info.capability}`);
  }
  return { type: type as KeyType, info };
}
