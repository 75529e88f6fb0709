/**
 * The `crypto` syscall object: operations that USE key objects by handle and never reveal them,
 * in the manner of GP TEE Internal Core API v1.3 §6 (TEE_MACComputeFinal / TEE_MACCompareFinal,
 * TEE_CipherDoFinal, TEE_AEEncryptFinal / TEE_AEDecryptFinal, TEE_AsymmetricSignDigest /
 * VerifyDigest, TEE_DigestDoFinal). Each algorithm family needs its capability (crypto.tdes,
 * crypto.aes, crypto.ec, crypto.ed25519, crypto.sha) and each operation the key's usage flag.
 * 3DES / AES block modes and ISO 9797-1 MACs come from @openvse/emv; AES-GCM, ECDSA P-256,
 * Ed25519, HMAC and SHA-2 from node:crypto inside the worker. Results are fresh Uint8Arrays.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  sign,
  timingSafeEqual,
  verify,
} from 'node:crypto';
import { TeeResult } from '@openvse/protocol';
import { emv } from '../keys/emv-lib.js';
import { gcm } from '../keys/gcm.js';
import type { KeyObj } from '../keys/key-object.js';
import { publicKeyFromRaw } from '../keys/key-object.js';
import { requireUsage, Usage } from '../keys/usage.js';
import { TeeError } from '../worker/tee-error.js';
import type { TaContext } from './context.js';
import { bad, bytesArg, fresh, guarded, isBytes, oneOf, optBytesArg, optionsArg } from './guards.js';

const MAC_ALGS = [
  'ISO9797_ALG1_M1',
  'ISO9797_ALG1_M2',
  'ISO9797_ALG3_M1',
  'ISO9797_ALG3_M2',
  'AES_CMAC',
  'HMAC_SHA256',
  'HMAC_SHA512',
] as const;
type MacAlg = (typeof MAC_ALGS)[number];
const CIPHER_ALGS = ['DES3_ECB', 'DES3_CBC', 'AES_ECB', 'AES_CBC', 'AES_CTR'] as const;
const DIGESTS = { 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' } as const;

function needCap(ctx: TaContext, cap: string): void {
  if (!ctx.capabilities.has(cap))
    throw new TeeError(TeeResult.ERROR_ACCESS_DENIED, `needs capability ${cap}`);
}

function needType(key: KeyObj, ...types: string[]): void {
  if (!types.includes(key.type)) throw bad(`this algorithm needs a ${types.join(' or ')} key`);
}

function computeMac(ctx: TaContext, key: KeyObj, alg: MacAlg, data: Uint8Array): Uint8Array {
  requireUsage(key.usage, Usage.MAC);
  if (alg.startsWith('ISO9797')) {
    needCap(ctx, 'crypto.tdes');
    needType(key, 'DES3');
    const pad = alg.endsWith('M1') ? 1 : 2;
    if (alg.startsWith('ISO9797_ALG3')) {
      if (key.secret.length !== 16) throw bad('ISO 9797-1 algorithm 3 needs a 16-byte DES3 key');
      return emv().macIso9797Alg3(key.secret, data, pad);
    }
    return emv().macIso9797Alg1(key.secret, data, pad);
  }
  if (alg === 'AES_CMAC') {
    needCap(ctx, 'crypto.aes');
    needType(key, 'AES');
    return emv().aesCmac(key.secret, data);
  }
  needCap(ctx, 'crypto.sha');
  needType(key, 'HMAC', 'GENERIC_SECRET');
  return fresh(
    createHmac(alg === 'HMAC_SHA256' ? 'sha256' : 'sha512', key.secret)
      .update(data)
      .digest(),
    true,
  );
}

type VerifyKey = { type: 'EC_P256' | 'ED25519'; pub: Uint8Array };

export function makeCryptoSyscalls(ctx: TaContext) {
  const table = ctx.keys;
  const sigCap = (type: string) => needCap(ctx, type === 'EC_P256' ? 'crypto.ec' : 'crypto.ed25519');
  function runCipher(key: KeyObj, alg: unknown, mode: unknown, data: unknown, iv: unknown): Uint8Array {
    const a = oneOf(alg, CIPHER_ALGS, 'cipher alg');
    const m = oneOf(mode, ['encrypt', 'decrypt'] as const, 'mode');
    requireUsage(key.usage, m === 'encrypt' ? Usage.ENCRYPT : Usage.DECRYPT);
    const d = bytesArg(data, 'data');
    if (a.startsWith('DES3')) {
      needCap(ctx, 'crypto.tdes');
      needType(key, 'DES3');
      if (a === 'DES3_ECB')
        return m === 'encrypt' ? emv().tdesEcbEncrypt(key.secret, d) : emv().tdesEcbDecrypt(key.secret, d);
      const v = bytesArg(iv, 'iv', 8, 8);
      return m === 'encrypt'
        ? emv().tdesCbcEncrypt(key.secret, d, v)
        : emv().tdesCbcDecrypt(key.secret, d, v);
    }
    needCap(ctx, 'crypto.aes');
    needType(key, 'AES');
    if (a === 'AES_ECB')
      return m === 'encrypt' ? emv().aesEcbEncrypt(key.secret, d) : emv().aesEcbDecrypt(key.secret, d);
    const v = bytesArg(iv, 'iv', 16, 16);
    if (a === 'AES_CBC')
      return m === 'encrypt' ? emv().aesCbcEncrypt(key.secret, d, v) : emv().aesCbcDecrypt(key.secret, d, v);
    const c = createCipheriv(`aes-${key.secret.length * 8}-ctr`, key.secret, v);
    return fresh(Buffer.concat([c.update(d), c.final()]), true);
  }
  return {
    mac: guarded((handle: unknown, alg: unknown, data: unknown): Uint8Array => {
      const key = table.get(handle);
      return fresh(computeMac(ctx, key, oneOf(alg, MAC_ALGS, 'mac alg'), bytesArg(data, 'data')), true);
    }),
    /** Constant-time comparison; false on mismatch (GP TEE_MACCompareFinal → TEE_ERROR_MAC_INVALID). */
    macVerify: guarded((handle: unknown, alg: unknown, data: unknown, mac: unknown): boolean => {
      const key = table.get(handle);
      const expected = computeMac(ctx, key, oneOf(alg, MAC_ALGS, 'mac alg'), bytesArg(data, 'data'));
      const given = bytesArg(mac, 'mac', 1, 64);
      const ok =
        given.length <= expected.length &&
        timingSafeEqual(expected.subarray(0, given.length), given) &&
        given.length >= 4;
      expected.fill(0);
      return ok;
    }),
    cipher: guarded(
      (handle: unknown, alg: unknown, mode: unknown, data: unknown, iv?: unknown): Uint8Array =>
        // A fresh plain Uint8Array whatever the library returned (never a Buffer: its prototype is not frozen).
        fresh(runCipher(table.get(handle), alg, mode, data, iv), true),
    ),
    /** AES-GCM with a 12-byte IV and a 16-byte tag. */
    aeadEncrypt: guarded((handle: unknown, iv: unknown, data: unknown, aad?: unknown) => {
      needCap(ctx, 'crypto.aes');
      const key = table.get(handle);
      needType(key, 'AES');
      requireUsage(key.usage, Usage.ENCRYPT);
      const c = createCipheriv(gcm(key.secret), key.secret, bytesArg(iv, 'iv', 12, 12));
      const a = optBytesArg(aad, 'aad');
      if (a) c.setAAD(a);
      const ct = fresh(Buffer.concat([c.update(bytesArg(data, 'data')), c.final()]), true);
      return { ciphertext: ct, tag: fresh(c.getAuthTag(), true) };
    }),
    aeadDecrypt: guarded((handle: unknown, iv: unknown, ciphertext: unknown, tag: unknown, aad?: unknown) => {
      needCap(ctx, 'crypto.aes');
      const key = table.get(handle);
      needType(key, 'AES');
      requireUsage(key.usage, Usage.DECRYPT);
      const d = createDecipheriv(gcm(key.secret), key.secret, bytesArg(iv, 'iv', 12, 12));
      d.setAuthTag(bytesArg(tag, 'tag', 16, 16));
      const a = optBytesArg(aad, 'aad');
      if (a) d.setAAD(a);
      const part = d.update(bytesArg(ciphertext, 'ciphertext'));
      try {
        const fin = d.final();
        return fresh(Buffer.concat([part, fin]), true);
      } catch {
        throw new TeeError(TeeResult.ERROR_MAC_INVALID, 'AES-GCM authentication failed');
      } finally {
        part.fill(0);
      }
    }),
    /** ECDSA P-256 with SHA-256 (r‖s, 64 bytes) or Ed25519 (64 bytes). */
    sign: guarded((handle: unknown, data: unknown): Uint8Array => {
      const key = table.get(handle);
      needType(key, 'EC_P256', 'ED25519');
      sigCap(key.type);
      requireUsage(key.usage, Usage.SIGN);
      const d = bytesArg(data, 'data');
      const sig =
        key.type === 'EC_P256'
          ? sign('sha256', d, { key: key.privateKey(), dsaEncoding: 'ieee-p1363' })
          : sign(null, d, key.privateKey());
      return fresh(sig);
    }),
    /** Verifies with a key handle (usage verify) or a public key `{type, publicKey}`. */
    verify: guarded((keyOrHandle: unknown, data: unknown, signature: unknown): boolean => {
      let vk: VerifyKey;
      if (typeof keyOrHandle === 'number') {
        const key = table.get(keyOrHandle);
        needType(key, 'EC_P256', 'ED25519');
        requireUsage(key.usage, Usage.VERIFY);
        vk = { type: key.type as VerifyKey['type'], pub: key.pub! };
      } else {
        const o = optionsArg(keyOrHandle, 'public key');
        const type = oneOf(o.type, ['EC_P256', 'ED25519'] as const, 'public key type');
        if (!isBytes(o.publicKey)) throw bad('publicKey must be a Uint8Array');
        vk = { type, pub: bytesArg(o.publicKey, 'publicKey', 32, 65) };
      }
      sigCap(vk.type);
      let pk: ReturnType<typeof publicKeyFromRaw>;
      try {
        pk = publicKeyFromRaw(vk.type, vk.pub);
      } catch {
        throw bad('invalid public key');
      }
      const d = bytesArg(data, 'data');
      const s = bytesArg(signature, 'signature', 1, 512);
      return vk.type === 'EC_P256'
        ? verify('sha256', d, { key: pk, dsaEncoding: 'ieee-p1363' }, s)
        : verify(null, d, pk, s);
    }),
    digest: guarded((alg: unknown, data: unknown): Uint8Array => {
      needCap(ctx, 'crypto.sha');
      const a = oneOf(alg, Object.keys(DIGESTS) as Array<keyof typeof DIGESTS>, 'digest alg');
      return fresh(createHash(DIGESTS[a]).update(bytesArg(data, 'data')).digest());
    }),
  };
}
