/**
 * The node:crypto AES-GCM cipher name for a key (NIST SP 800-38D), typed so the compiler picks
 * the CipherGCM / DecipherGCM overloads.
 */
import type { CipherGCMTypes } from 'node:crypto';

export function gcm(key: Uint8Array): CipherGCMTypes {
  return key.length === 16 ? 'aes-128-gcm' : key.length === 24 ? 'aes-192-gcm' : 'aes-256-gcm';
}
