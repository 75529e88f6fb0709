/**
 * The pure-JavaScript backend (backend.ts), for JavaScript engines without `node:crypto` (Hermes
 * on React Native, docs/mobile.md): DES and TDEA from des-pure.ts (written here from FIPS 46-3),
 * AES from @noble/ciphers (`ecb` / `cbc` with its PKCS#7 layer off) and SHA-1 from @noble/hashes.
 * It imports no Node module and uses no Node global.
 *
 * Side channels: DES's S-boxes and noble's AES T-tables are table lookups indexed by key-dependent
 * values, so neither is constant-time (docs/mobile.md "The pure-JavaScript backend").
 * Hygiene: DES key schedules are zeroed here, noble zeroes its expanded AES keys itself.
 */
import { cbc, ecb } from '@noble/ciphers/aes.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { EmvError, EmvErrorCode } from '../errors.js';
import type { BlockCipherRequest, EmvCryptoBackend } from './backend.js';
import { desCrypt, desKeySchedule } from './des-pure.js';

function des(req: BlockCipherRequest): Uint8Array {
  const k = req.key;
  let schedules: Uint8Array[];
  if (req.algorithm === 'des' && k.length === 8) schedules = [desKeySchedule(k)];
  else if (req.algorithm === 'tdes' && k.length === 16) {
    const k1 = desKeySchedule(k, 0);
    schedules = [k1, desKeySchedule(k, 8), k1];
  } else if (req.algorithm === 'tdes' && k.length === 24)
    schedules = [desKeySchedule(k, 0), desKeySchedule(k, 8), desKeySchedule(k, 16)];
  else throw new EmvError(EmvErrorCode.KEY_LENGTH, `key: ${k.length} bytes do not fit ${req.algorithm}`);
  try {
    return desCrypt(schedules, req.mode, req.encrypt, req.data, req.mode === 'cbc' ? req.iv : undefined);
  } finally {
    for (const s of schedules) s.fill(0);
  }
}

function aes(req: BlockCipherRequest): Uint8Array {
  const k = req.key;
  if (k.length !== 16 && k.length !== 24 && k.length !== 32)
    throw new EmvError(EmvErrorCode.KEY_LENGTH, `key: AES keys are 16, 24 or 32 bytes, got ${k.length}`);
  if (req.data.length === 0) return new Uint8Array(0);
  const c =
    req.mode === 'cbc'
      ? cbc(k, req.iv ?? new Uint8Array(16), { disablePadding: true })
      : ecb(k, { disablePadding: true });
  return req.encrypt ? c.encrypt(req.data) : c.decrypt(req.data);
}

/** emv's cryptography in plain JavaScript (see the module comment): choose it with `setCryptoBackend`. */
export const pureJsCryptoBackend: EmvCryptoBackend = Object.freeze({
  name: 'pure-js',
  blockCipher(req: BlockCipherRequest): Uint8Array {
    if (req.mode === 'cbc' && req.iv?.length !== (req.algorithm === 'aes' ? 16 : 8))
      throw new EmvError(EmvErrorCode.IV_LENGTH, 'iv: CBC needs one block');
    if (req.data.length % (req.algorithm === 'aes' ? 16 : 8) !== 0)
      throw new EmvError(EmvErrorCode.DATA_LENGTH, 'data: not a whole number of blocks');
    return req.algorithm === 'aes' ? aes(req) : des(req);
  },
  sha1(data: Uint8Array): Uint8Array {
    return sha1(data);
  },
});
