/**
 * The node:crypto backend (backend.ts): OpenSSL's DES-EDE, DES-EDE3 and AES in ECB/CBC with
 * automatic padding off, and SHA-1. Single DES is DES-EDE with K ‖ K (E_K D_K E_K = E_K), because
 * Node 20's OpenSSL 3 keeps plain DES in its legacy provider. Every intermediate Buffer that held
 * key material or cipher output is zeroed before returning.
 *
 * Only the Node entry points reach this module (through node-default.ts); the pure entry point
 * `@openvse/emv/pure` never does, so its bundles contain no `node:crypto`.
 */
import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';
import { concatBytes, zeroize } from '../codec/bytes.js';
import { EmvError, EmvErrorCode } from '../errors.js';
import { aesAlgorithm } from './aes.js';
import type { BlockCipherRequest, EmvCryptoBackend } from './backend.js';

function opensslName(algorithm: BlockCipherRequest['algorithm'], key: Uint8Array, mode: 'ecb' | 'cbc') {
  if (algorithm === 'aes') return aesAlgorithm(key, mode);
  if (algorithm === 'des' && key.length === 8) return `des-ede-${mode}`;
  if (algorithm === 'tdes' && key.length === 16) return `des-ede-${mode}`;
  if (algorithm === 'tdes' && key.length === 24) return `des-ede3-${mode}`;
  throw new EmvError(EmvErrorCode.KEY_LENGTH, `key: ${key.length} bytes do not fit ${algorithm}`);
}

function blockCipher(req: BlockCipherRequest): Uint8Array {
  const { algorithm, mode, encrypt, data } = req;
  const name = opensslName(algorithm, req.key, mode);
  const key = algorithm === 'des' ? concatBytes(req.key, req.key) : req.key;
  try {
    const iv = mode === 'cbc' ? (req.iv ?? null) : null;
    const c = encrypt ? createCipheriv(name, key, iv) : createDecipheriv(name, key, iv);
    c.setAutoPadding(false);
    const a = c.update(data);
    const b = c.final();
    const out = new Uint8Array(a.length + b.length);
    out.set(a, 0);
    out.set(b, a.length);
    zeroize(a, b);
    return out;
  } finally {
    if (key !== req.key) zeroize(key);
  }
}

/** emv's cryptography on `node:crypto` (OpenSSL): the default of the Node entry points. */
export const nodeCryptoBackend: EmvCryptoBackend = Object.freeze({
  name: 'node:crypto',
  blockCipher,
  sha1(data: Uint8Array): Uint8Array {
    const h = createHash('sha1').update(data).digest();
    const out = new Uint8Array(h);
    zeroize(h);
    return out;
  },
});
