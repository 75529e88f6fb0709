/**
 * AES-256-GCM envelopes for secrets at rest (docs/design.md "Storage and scale": issuer keys
 * encrypted under a key-encryption key; NIST SP 800-38D). Format `v1.<iv>.<ciphertext>.<tag>`
 * (base64url, 96-bit random IV, 128-bit tag). The associated data binds an envelope to its
 * place (key name ‖ version, card id), so a ciphertext moved to another row does not open.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { ApiErrorCode } from '@openvse/protocol';
import { ServerError } from '../errors.js';

/** Seals `plaintext` under `key` bound to `aad`. */
export function seal(key: Uint8Array, plaintext: Uint8Array, aad: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([c.update(plaintext), c.final()]);
  const tag = c.getAuthTag();
  return `v1.${iv.toString('base64url')}.${ct.toString('base64url')}.${tag.toString('base64url')}`;
}

/** Opens an envelope; ERR_KEY_UNWRAP when the key, the AAD or the bytes are wrong. */
export function open(key: Uint8Array, envelope: string, aad: string): Uint8Array {
  const parts = envelope.split('.');
  if (parts.length !== 4 || parts[0] !== 'v1')
    throw new ServerError(ApiErrorCode.KEY_UNWRAP, 'envelope: unknown format');
  const [, iv, ct, tag] = parts as [string, string, string, string];
  try {
    const d = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    d.setAAD(Buffer.from(aad, 'utf8'));
    d.setAuthTag(Buffer.from(tag, 'base64url'));
    return new Uint8Array(Buffer.concat([d.update(Buffer.from(ct, 'base64url')), d.final()]));
  } catch {
    throw new ServerError(ApiErrorCode.KEY_UNWRAP, 'envelope: authentication failed (wrong KEK?)');
  }
}

/** A purpose-bound 32-byte subkey of the KEK (HKDF-SHA256, RFC 5869). */
export function subkey(kek: Uint8Array, purpose: string): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', kek, new Uint8Array(0), `openvse-server/${purpose}`, 32));
}
