/**
 * The UNPROTECTED software platform for the CBP TA core (docs/cbp-protocol.md §5 "SoftwareProvider
 * runs the same logic with the keys in plain process memory").
 *
 * ⚠ This protects nothing. Every key (LUKs, SUKs, the TA's ECDH and signing keys, the "platform
 * identity") is a Uint8Array / KeyObject in the app's own heap, readable by any code in the
 * process, by a debugger, by a heap snapshot or a core dump; with `dataDir` they are also written
 * in clear (base64) to `<dataDir>/cbp-software-state.json`. It exists as the baseline that an
 * unprotected payment SDK represents, for comparison with V-OS and for tests. Its attestation is
 * honest about it: protection level L0, root of trust `software`, no permission model.
 *
 * It implements the same `CbpPlatform` contract as V-OS (usage flags, JOSE algorithm allowlists,
 * all-or-nothing transactions, a monotonic state counter), so the core behaves identically.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type JsonWebKey,
  randomBytes,
} from 'node:crypto';
import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { macIso9797Alg3 } from '@openvse/emv';
import { CBP_TA_UUID, CBP_TA_VERSION, type PublicEcJwk } from '@openvse/protocol';
import { createAttestation, PlatformIdentity, signDeviceRequest } from '@openvse/vos';
import {
  CompactSign,
  calculateJwkThumbprint,
  compactDecrypt,
  compactVerify,
  importJWK,
  type JWK,
} from 'jose';
import type { CbpPlatform } from './core/platform.js';
import { createMemoryKeyStore, type KeyUsage, type MemoryKey } from './memory-keys.js';

type Usage = KeyUsage;
type SoftKey = MemoryKey;

interface FileState {
  v: 1;
  deviceId: string;
  identityJwk: JsonWebKey;
  counter: string;
  objects: Record<string, string>;
  keys: Record<string, { type: SoftKey['type']; usage: Usage; secret: string; pub?: string }>;
}

/** Options of {@link createSoftwarePlatform}. */
export interface SoftwarePlatformOptions {
  /** Keep state in `<dataDir>/cbp-software-state.json` (in clear!); in memory when absent. */
  dataDir?: string;
  /** Injectable clock (ms since the epoch); also drives the CDCVM timeout. */
  clock?: { now(): number };
}

/** The unprotected software platform: a CbpPlatform with keys in process memory (see above). */
export interface SoftwarePlatform extends CbpPlatform {
  /** The public JWK of the software "platform identity" that signs its attestations. */
  readonly platformPublicJwk: { kty: string; crv: string; x: string; y: string };
  readonly deviceId: string;
  threatFlags(): Promise<string[]>;
  /** Stands in for V-Guard raising threat flags (`CODE` or `CODE:severity`). */
  setThreatFlags(flags: string[]): void;
  /**
   * A device request proof (docs/cbp-protocol.md §7) signed by the software platform identity,
   * as V-OS signs one (`VosClient.signDeviceRequest`).
   */
  signDeviceRequest(method: string, target: string, bodySha256: Uint8Array): Promise<string>;
  /** Every key currently held, for tests that show what an attacker in the process can read. */
  dumpKeysForTests(): Array<{ type: string; usage: string; secret: Uint8Array; persistentId?: string }>;
}

const b64u = (b: Uint8Array) => Buffer.from(b).toString('base64url');
const unb64u = (s: string) => new Uint8Array(Buffer.from(s, 'base64url'));

class PlatformError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SoftwarePlatformError';
  }
}

function ecPrivateJwk(k: SoftKey): JsonWebKey {
  return {
    kty: 'EC',
    crv: 'P-256',
    d: b64u(k.secret),
    x: b64u(k.pub!.subarray(1, 33)),
    y: b64u(k.pub!.subarray(33, 65)),
  };
}

function checkPublicJwk(j: PublicEcJwk): JWK {
  if (j?.kty !== 'EC' || j.crv !== 'P-256' || typeof j.x !== 'string' || typeof j.y !== 'string')
    throw new PlatformError('not a public P-256 JWK');
  return { kty: 'EC', crv: 'P-256', x: j.x, y: j.y };
}

/**
 * Code identity reported in the software attestation (what a server allow-lists for it): SHA-256
 * of the core's compiled modules (dist/src/core/*.js, in name order). Without them (not run from
 * the build) it is the SHA-256 of the text `openvse-cbp-software`.
 */
export function softwareTaCodeSha256(): string {
  try {
    const dir = new URL('./core/', import.meta.url);
    const modules = readdirSync(dir)
      .filter((f) => f.endsWith('.js'))
      .sort();
    if (modules.length === 0) throw new Error('no compiled core');
    const hash = createHash('sha256');
    for (const f of modules) hash.update(readFileSync(new URL(f, dir)));
    return hash.digest('hex');
  } catch {
    return createHash('sha256').update('openvse-cbp-software').digest('hex');
  }
}

/**
 * A fresh UNPROTECTED software platform, or the one kept in `dataDir` (in clear). It protects
 * nothing: see the module comment.
 */
export async function createSoftwarePlatform(
  options: SoftwarePlatformOptions = {},
): Promise<SoftwarePlatform> {
  const clock = options.clock ?? { now: () => Date.now() };
  const file = options.dataDir ? join(options.dataDir, 'cbp-software-state.json') : undefined;
  let saved: FileState | undefined;
  if (file) {
    try {
      saved = JSON.parse(readFileSync(file, 'utf8')) as FileState;
    } catch {
      saved = undefined;
    }
  }
  const identity = saved
    ? await PlatformIdentity.fromJwk(saved.identityJwk)
    : await PlatformIdentity.create();
  const deviceId = saved?.deviceId ?? `sw-${randomBytes(8).toString('hex')}`;
  const objects = new Map<string, Uint8Array>(
    Object.entries(saved?.objects ?? {}).map(([k, v]) => [k, unb64u(v)]),
  );
  const persistent = new Map<string, SoftKey>(
    Object.entries(saved?.keys ?? {}).map(([k, v]) => [
      k,
      { type: v.type, usage: v.usage, secret: unb64u(v.secret), ...(v.pub ? { pub: unb64u(v.pub) } : {}) },
    ]),
  );
  let counter = BigInt(saved?.counter ?? '0');
  const codeSha256 = softwareTaCodeSha256();
  let flags: string[] = [];

  function save(): void {
    counter += 1n;
    if (!file) return;
    const state: FileState = {
      v: 1,
      deviceId,
      identityJwk: identity.exportPrivateJwkForSealing(),
      counter: counter.toString(),
      objects: Object.fromEntries([...objects].map(([k, v]) => [k, b64u(v)])),
      keys: Object.fromEntries(
        [...persistent].map(([k, v]) => [
          k,
          { type: v.type, usage: v.usage, secret: b64u(v.secret), ...(v.pub ? { pub: b64u(v.pub) } : {}) },
        ]),
      ),
    };
    writeFileSync(`${file}.tmp`, JSON.stringify(state));
    renameSync(`${file}.tmp`, file);
  }
  if (file && !saved) save();

  const store = createMemoryKeyStore({
    randomBytes: (n) => new Uint8Array(randomBytes(n)),
    changed: save,
    fail: (message) => new PlatformError(message),
    objects,
    persistent,
  });
  const { get, add, handles } = store;

  const platform: SoftwarePlatform = {
    kind: 'software',
    deviceId,
    platformPublicJwk: {
      kty: 'EC',
      crv: 'P-256',
      x: identity.publicJwk.x!,
      y: identity.publicJwk.y!,
    },
    signDeviceRequest: (method, target, bodySha256) =>
      signDeviceRequest(identity, deviceId, { htm: method, htu: target, bd: b64u(bodySha256) }),

    async generateEcKey(purpose) {
      const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const jwk = pair.privateKey.export({ format: 'jwk' });
      const pub = new Uint8Array(65);
      pub[0] = 4;
      pub.set(unb64u(jwk.x!), 1);
      pub.set(unb64u(jwk.y!), 33);
      return add({
        type: 'EC_P256',
        secret: unb64u(jwk.d!),
        usage: purpose === 'enc' ? 'derive' : 'sign',
        pub,
      });
    },
    ...store.methods,
    async retailMac(h, data) {
      const k = get(h, 'DES3', 'mac');
      return new Uint8Array(macIso9797Alg3(k.secret, data, 2));
    },
    async publicJwk(h) {
      const k = get(h, 'EC_P256');
      return { kty: 'EC', crv: 'P-256', x: b64u(k.pub!.subarray(1, 33)), y: b64u(k.pub!.subarray(33, 65)) };
    },

    randomBytes: (n) => new Uint8Array(randomBytes(n)),
    now: () => clock.now(),
    monotonic: () => (options.clock ? clock.now() : performance.now()),

    stateCounter: () => counter,

    async decryptJwe(encKey, jwe) {
      const k = get(encKey, 'EC_P256', 'derive');
      const key = createPrivateKey({ key: ecPrivateJwk(k), format: 'jwk' });
      const r = await compactDecrypt(jwe, key, {
        keyManagementAlgorithms: ['ECDH-ES+A256KW'],
        contentEncryptionAlgorithms: ['A256GCM'],
      });
      return { plaintext: new Uint8Array(r.plaintext), protectedHeader: { ...r.protectedHeader } };
    },
    async verifyJws(jws, publicJwk) {
      const key = await importJWK(checkPublicJwk(publicJwk), 'ES256');
      const r = await compactVerify(jws, key, { algorithms: ['ES256'] });
      return { payload: new Uint8Array(r.payload), protectedHeader: { ...r.protectedHeader } };
    },
    async signJws(sigKey, payload, protectedHeader) {
      const k = get(sigKey, 'EC_P256', 'sign');
      if (protectedHeader.alg !== 'ES256') throw new PlatformError('only ES256');
      const key = createPrivateKey({ key: ecPrivateJwk(k), format: 'jwk' });
      return new CompactSign(payload).setProtectedHeader({ ...protectedHeader, alg: 'ES256' }).sign(key);
    },
    async thumbprint(jwk) {
      return calculateJwkThumbprint(checkPublicJwk(jwk), 'sha256');
    },

    async attest(nonce, keys) {
      const taPublicKeys: Record<string, JsonWebKey> = {};
      keys.forEach((h, i) => {
        const k = get(h, 'EC_P256');
        const pub = createPublicKey({ key: ecPrivateJwk(k), format: 'jwk' }).export({ format: 'jwk' });
        taPublicKeys[k.persistentId ?? `key${i}`] = { kty: 'EC', crv: 'P-256', x: pub.x, y: pub.y };
      });
      return createAttestation(identity, {
        vosVersion: 'software',
        deviceId,
        ta: { uuid: CBP_TA_UUID, codeSha256, version: CBP_TA_VERSION },
        protectionLevel: 'L0',
        isolation: { mode: 'embedded', appConfined: false, separateUser: false },
        rootOfTrust: { kind: 'software', hardwareBacked: false, anchor: false },
        threatFlags: [...flags],
        taPublicKeys,
        nonce,
        stateCounter: counter.toString(),
      });
    },

    async threatFlags() {
      return [...flags];
    },
    setThreatFlags(f) {
      flags = [...f];
    },

    dumpKeysForTests() {
      return [...handles.values(), ...[...persistent].map(([id, k]) => ({ ...k, persistentId: id }))].map(
        (k) => ({ type: k.type, usage: k.usage, secret: k.secret, persistentId: k.persistentId }),
      );
    },
  };
  return platform;
}
