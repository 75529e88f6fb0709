/**
 * The `keys` syscall object (capability 'keys'): key objects by handle, in the manner of GP TEE
 * Internal Core API v1.3 §5.5–5.7 (TEE_AllocateTransientObject + TEE_GenerateKey /
 * TEE_PopulateTransientObject, TEE_RestrictObjectUsage1, TEE_FreeTransientObject,
 * TEE_CreatePersistentObject) and OP-TEE's tee_svc_cryp.c rules (docs/design.md "Key objects"):
 *  - there is no call that returns secret key bytes; public keys can be exported;
 *  - usage only narrows; derived and unwrapped keys are as non-extractable as everything else;
 *  - key types need the matching crypto capability; persistence needs 'storage' too;
 *  - key bytes are zeroed on destroy and when the TA instance ends.
 */
import { createDecipheriv, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes } from 'node:crypto';
import { TeeResult } from '@openvse/protocol';
import { emv } from '../keys/emv-lib.js';
import { gcm } from '../keys/gcm.js';
import {
  KeyObj,
  privateKeyFromRaw,
  publicKeyFromRaw,
  rawPrivateFromPkcs8,
  rawPublicKey,
} from '../keys/key-object.js';
import { deleteKey, listKeys, loadKey, storeKey } from '../keys/key-store.js';
import { KEY_TYPES, type KeyType, keyTypeInfo } from '../keys/key-types.js';
import { checkUsageRules, parseUsage, requireUsage, Usage, usageNames } from '../keys/usage.js';
import { TeeError } from '../worker/tee-error.js';
import type { TaContext } from './context.js';
import { bad, bytesArg, fresh, guarded, intArg, isBytes, oneOf, optBytesArg, optionsArg } from './guards.js';

const PERSISTENT_ID = /^[A-Za-z0-9._:-]{1,64}$/;

function persistentId(v: unknown): string {
  if (typeof v !== 'string' || !PERSISTENT_ID.test(v)) throw bad('key id must be 1..64 of [A-Za-z0-9._:-]');
  return v;
}

/** Builds a key object from secret bytes (taken over, not copied). */
function makeKey(type: KeyType, secret: Uint8Array, usage: number): KeyObj {
  if (!KEY_TYPES[type].sizes.includes(secret.length)) {
    secret.fill(0);
    throw bad(`a ${type} key must be ${KEY_TYPES[type].sizes.join(' or ')} bytes`);
  }
  if (type === 'EC_P256' || type === 'ED25519') {
    let pub: Uint8Array;
    try {
      pub = rawPublicKey(type, privateKeyFromRaw(type, secret));
    } catch {
      secret.fill(0);
      throw bad('invalid private key');
    }
    return new KeyObj(type, secret, usage, pub);
  }
  return new KeyObj(type, secret, usage, null);
}

function generateSecret(type: KeyType, size: number): Uint8Array {
  if (type === 'EC_P256' || type === 'ED25519') {
    const pair =
      type === 'EC_P256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('ed25519');
    return rawPrivateFromPkcs8(type, pair.privateKey.export({ format: 'der', type: 'pkcs8' }));
  }
  const buf = randomBytes(size);
  const out = fresh(buf, true);
  if (type === 'DES3') out.set(emv().adjustOddParity(out));
  return out;
}

/** Secret bytes of a derivation, from the base key (never returned to the TA). */
function deriveSecret(
  ctx: TaContext,
  base: KeyObj,
  spec: Record<string, unknown>,
  length: number,
): Uint8Array {
  const alg = oneOf(
    spec.alg,
    ['HKDF_SHA256', 'ECDH_P256', 'DES3_ECB_ENCRYPT_DATA', 'AES_ECB_ENCRYPT_DATA', 'XOR_DATA'] as const,
    'derive alg',
  );
  requireUsage(base.usage, Usage.DERIVE);
  switch (alg) {
    case 'HKDF_SHA256': {
      if (!ctx.capabilities.has('crypto.hkdf'))
        throw new TeeError(TeeResult.ERROR_ACCESS_DENIED, 'needs crypto.hkdf');
      const salt = optBytesArg(spec.salt, 'salt', 0, 1024) ?? new Uint8Array(0);
      const info = optBytesArg(spec.info, 'info', 0, 1024) ?? new Uint8Array(0);
      return fresh(new Uint8Array(hkdfSync('sha256', base.secret, salt, info, length)), true);
    }
    case 'ECDH_P256': {
      if (base.type !== 'EC_P256') throw bad('ECDH_P256 needs an EC_P256 key');
      const peer = bytesArg(spec.publicKey, 'publicKey', 65, 65);
      let peerKey: ReturnType<typeof publicKeyFromRaw>;
      try {
        peerKey = publicKeyFromRaw('EC_P256', peer);
      } catch {
        throw bad('publicKey is not a P-256 point');
      }
      const z = diffieHellman({ privateKey: base.privateKey(), publicKey: peerKey });
      if (length !== z.length) {
        z.fill(0);
        throw bad('ECDH_P256 gives 32 bytes: derive a key type of that size, or HKDF afterwards');
      }
      return fresh(z, true);
    }
    case 'DES3_ECB_ENCRYPT_DATA':
    case 'AES_ECB_ENCRYPT_DATA': {
      const des = alg === 'DES3_ECB_ENCRYPT_DATA';
      if (base.type !== (des ? 'DES3' : 'AES')) throw bad(`${alg} needs a ${des ? 'DES3' : 'AES'} key`);
      const data = bytesArg(spec.data, 'data', 8, 64);
      if (data.length !== length) throw bad('data length must equal the derived key length');
      const out = des ? emv().tdesEcbEncrypt(base.secret, data) : emv().aesEcbEncrypt(base.secret, data);
      if (spec.adjustParity === true) out.set(emv().adjustOddParity(out));
      return out;
    }
    case 'XOR_DATA': {
      if (base.type !== 'DES3' && base.type !== 'AES' && base.type !== 'GENERIC_SECRET')
        throw bad('XOR_DATA needs a secret key');
      const data = bytesArg(spec.data, 'data', base.secret.length, base.secret.length);
      if (data.length !== length) throw bad('XOR_DATA keeps the base key length');
      const out = new Uint8Array(length);
      for (let i = 0; i < length; i++) out[i] = base.secret[i]! ^ data[i]!;
      if (spec.adjustParity === true) out.set(emv().adjustOddParity(out));
      return out;
    }
  }
}

function unwrapSecret(wrapper: KeyObj, spec: Record<string, unknown>, wrapped: Uint8Array): Uint8Array {
  requireUsage(wrapper.usage, Usage.WRAP);
  const alg = oneOf(
    spec.alg,
    ['AES_GCM', 'AES_ECB', 'AES_CBC', 'DES3_ECB', 'DES3_CBC'] as const,
    'unwrap alg',
  );
  const needType = alg.startsWith('AES') ? 'AES' : 'DES3';
  if (wrapper.type !== needType) throw bad(`${alg} needs a ${needType} wrapping key`);
  switch (alg) {
    case 'AES_GCM': {
      const iv = bytesArg(spec.iv, 'iv', 12, 12);
      const tag = bytesArg(spec.tag, 'tag', 16, 16);
      const aad = optBytesArg(spec.aad, 'aad', 0, 4096);
      const d = createDecipheriv(gcm(wrapper.secret), wrapper.secret, iv);
      d.setAuthTag(tag);
      if (aad) d.setAAD(aad);
      const a = d.update(wrapped);
      try {
        const b = d.final();
        const out = new Uint8Array(a.length + b.length);
        out.set(a);
        out.set(b, a.length);
        return out;
      } catch {
        throw new TeeError(TeeResult.ERROR_MAC_INVALID, 'unwrap: authentication failed');
      } finally {
        a.fill(0);
      }
    }
    case 'AES_ECB':
      return emv().aesEcbDecrypt(wrapper.secret, wrapped);
    case 'AES_CBC':
      return emv().aesCbcDecrypt(wrapper.secret, wrapped, bytesArg(spec.iv, 'iv', 16, 16));
    case 'DES3_ECB':
      return emv().tdesEcbDecrypt(wrapper.secret, wrapped);
    case 'DES3_CBC':
      return emv().tdesCbcDecrypt(wrapper.secret, wrapped, bytesArg(spec.iv, 'iv', 8, 8));
  }
}

function needStorage(ctx: TaContext): void {
  if (!ctx.capabilities.has('storage')) {
    throw new TeeError(TeeResult.ERROR_ACCESS_DENIED, 'persistent keys need capability storage');
  }
}

export function makeKeysSyscalls(ctx: TaContext) {
  const table = ctx.keys;
  const caps = ctx.capabilities;
  return {
    generate: guarded((type: unknown, usage: unknown, options?: unknown): number => {
      const { type: t, info } = keyTypeInfo(type, caps);
      const mask = parseUsage(usage);
      const opts = optionsArg(options, 'options');
      const size = opts.size === undefined ? info.defaultSize : intArg(opts.size, 'size', 1, 64);
      if (!info.sizes.includes(size)) throw bad(`a ${t} key must be ${info.sizes.join(' or ')} bytes`);
      return table.add(makeKey(t, generateSecret(t, size), mask));
    }),
    import: guarded((type: unknown, bytes: unknown, usage: unknown): number => {
      const { type: t } = keyTypeInfo(type, caps);
      const mask = parseUsage(usage);
      return table.add(makeKey(t, bytesArg(bytes, 'key bytes', 1, 64), mask));
    }),
    unwrap: guarded(
      (wrappingHandle: unknown, spec: unknown, wrapped: unknown, type: unknown, usage: unknown): number => {
        const wrapper = table.get(wrappingHandle);
        const { type: t } = keyTypeInfo(type, caps);
        const mask = parseUsage(usage);
        const s = optionsArg(spec, 'spec');
        const secret = unwrapSecret(wrapper, s, bytesArg(wrapped, 'wrapped', 8, 4096));
        return table.add(makeKey(t, secret, mask));
      },
    ),
    derive: guarded(
      (baseHandle: unknown, spec: unknown, type: unknown, usage: unknown, options?: unknown): number => {
        const base = table.get(baseHandle);
        const { type: t, info } = keyTypeInfo(type, caps);
        if (info.asymmetric) throw bad('derived keys are symmetric');
        const mask = parseUsage(usage);
        const opts = optionsArg(options, 'options');
        const s = optionsArg(spec, 'spec');
        const dataLen = isBytes(s.data) ? s.data.length : info.defaultSize;
        const defaultLen = s.alg === 'ECDH_P256' ? 32 : s.alg === 'HKDF_SHA256' ? info.defaultSize : dataLen;
        const length = opts.size === undefined ? defaultLen : intArg(opts.size, 'size', 1, 64);
        if (!info.sizes.includes(length)) throw bad(`a ${t} key must be ${info.sizes.join(' or ')} bytes`);
        return table.add(makeKey(t, deriveSecret(ctx, base, s, length), mask));
      },
    ),
    restrictUsage: guarded(async (handle: unknown, usage: unknown): Promise<string[]> => {
      const key = table.get(handle);
      const narrowed = key.usage & parseUsage(usage);
      checkUsageRules(narrowed);
      if (narrowed === key.usage) return usageNames(key.usage);
      const before = key.usage;
      key.usage = narrowed;
      if (key.persistentId !== null) {
        try {
          await storeKey(ctx.storage, key.persistentId, key);
        } catch (e) {
          key.usage = before & narrowed;
          throw e;
        }
      }
      return usageNames(key.usage);
    }),
    destroy: guarded((handle: unknown): void => table.destroy(handle)),
    exportPublic: guarded((handle: unknown): Uint8Array => {
      const key = table.get(handle);
      if (!key.pub) throw new TeeError(TeeResult.ERROR_ACCESS_DENIED, 'secret keys cannot be exported');
      return fresh(key.pub);
    }),
    info: guarded((handle: unknown) => {
      const key = table.get(handle);
      return {
        type: key.type,
        size: key.secret.length,
        usage: usageNames(key.usage),
        persistentId: key.persistentId,
        extractable: false,
      };
    }),
    kcv: guarded((handle: unknown): Uint8Array => {
      const key = table.get(handle);
      if (key.type !== 'DES3' && key.type !== 'AES') throw bad('kcv is for DES3 and AES keys');
      return fresh(
        emv().keyCheckValue(key.secret, { algorithm: key.type === 'DES3' ? 'tdes' : 'aes', length: 3 }),
        true,
      );
    }),
    persist: guarded(async (handle: unknown, id: unknown): Promise<void> => {
      needStorage(ctx);
      const key = table.get(handle);
      const pid = persistentId(id);
      await storeKey(ctx.storage, pid, key);
      key.persistentId = pid;
    }),
    load: guarded(async (id: unknown): Promise<number> => {
      needStorage(ctx);
      const key = await loadKey(ctx.storage, persistentId(id));
      try {
        keyTypeInfo(key.type, caps);
      } catch (e) {
        key.wipe();
        throw e;
      }
      return table.add(key);
    }),
    deletePersistent: guarded(async (id: unknown): Promise<boolean> => {
      needStorage(ctx);
      const pid = persistentId(id);
      table.dropPersistent(pid);
      return deleteKey(ctx.storage, pid);
    }),
    listPersistent: guarded(async (): Promise<string[]> => {
      needStorage(ctx);
      return listKeys(ctx.storage);
    }),
  };
}
