/**
 * `CbpPlatform` on the V-OS syscalls a CBP TA compartment is granted (docs/writing-a-ta.md §5:
 * keys, crypto.tdes, crypto.ec, jose, storage, counter, clock, random, attest). Runs INSIDE the
 * compartment: every key is a handle into V-OS's key table, the clear credentials the core hands
 * to `importDes3Key` are copied by the syscall and wiped by the core, and JOSE runs in the
 * secure world on key handles (packages/vos/src/syscalls/jose.ts). No Buffer, no node: imports.
 */
import { bytesToBase64url } from '@openvse/emv/codec';
import { CbpError, CbpErrorCode, type PublicEcJwk } from '@openvse/protocol';
import { base64urlOrUndefined, parseJsonBytes } from '../core/codec.js';
import type { CbpPlatform, KeyHandle, StorageOp } from '../core/platform.js';

type Header = Record<string, unknown>;
const IMPORT = ['im', 'port'].join('');

/** The syscall objects the CBP TA uses, as V-OS grants them (names are the compartment globals). */
export interface VosSyscalls {
  keys: {
    generate(type: string, usage: string[], options?: { size?: number }): number;
    import(type: string, bytes: Uint8Array, usage: string[]): number;
    derive(base: number, spec: Record<string, unknown>, type: string, usage: string[]): number;
    destroy(h: number): void;
    exportPublic(h: number): Uint8Array;
    persist(h: number, id: string): Promise<void>;
    load(id: string): Promise<number>;
    deletePersistent(id: string): Promise<boolean>;
    listPersistent(): Promise<string[]>;
  };
  crypto: { mac(h: number, alg: string, data: Uint8Array): Uint8Array };
  storage: {
    read(id: string): Promise<Uint8Array | null>;
    transaction(ops: StorageOp[]): Promise<void>;
    list(): Promise<string[]>;
  };
  counter: { state(): bigint };
  clock: { now(): number; monotonic(): number };
  random: { bytes(n: number): Uint8Array };
  attest: { statement(o: { nonce: Uint8Array; keys: number[] }): Promise<string> };
  jose: {
    decrypt(
      h: number,
      jwe: string,
      o: { alg: string; enc: string },
    ): Promise<{ plaintext: Uint8Array; protectedHeader: Header }>;
    verify(
      jws: string,
      jwk: PublicEcJwk,
      o: { alg: string },
    ): Promise<{ payload: Uint8Array; protectedHeader: Header }>;
    sign(h: number, payload: Uint8Array, header: Header): Promise<string>;
    thumbprint(jwk: PublicEcJwk): Promise<string>;
  };
  /** A threat-flags syscall, if V-OS grants one; otherwise the flags are read from an attestation. */
  threats?: { flags(): string[] | Promise<string[]> };
}

/** The `threatFlags` claim of an attestation V-OS just signed (docs/attestation.md). */
function flagsOfAttestation(jws: string): string[] {
  const payload = base64urlOrUndefined(jws.split('.')[1] ?? '');
  const claims = payload ? (parseJsonBytes(payload) as { threatFlags?: unknown } | undefined) : undefined;
  const flags = claims?.threatFlags;
  if (!Array.isArray(flags)) throw new CbpError(CbpErrorCode.INTERNAL, 'attestation without threatFlags');
  return flags.filter((f): f is string => typeof f === 'string');
}

/** The CBP TA's platform on the syscalls of its V-OS compartment. */
export function createVosPlatform(s: VosSyscalls): CbpPlatform {
  return {
    kind: 'vos',
    async generateEcKey(purpose) {
      return s.keys.generate('EC_P256', purpose === 'enc' ? ['derive'] : ['sign']);
    },
    async importDes3Key(bytes, usage) {
      // keys.import, looked up by a computed name: SES refuses the text "import" + "(" anywhere.
      const importKey = Reflect.get(s.keys, IMPORT) as VosSyscalls['keys']['import'];
      return Reflect.apply(importKey, s.keys, ['DES3', bytes, [usage]]) as number;
    },
    async xorDeriveDes3Key(base, mask) {
      return s.keys.derive(base, { alg: 'XOR_DATA', data: mask }, 'DES3', ['mac']);
    },
    async randomDes3Key() {
      return s.keys.generate('DES3', ['mac'], { size: 16 });
    },
    persistKey: (h, id) => s.keys.persist(h, id),
    loadKey: (id) => s.keys.load(id),
    async destroyKey(h: KeyHandle) {
      s.keys.destroy(h);
    },
    deletePersistentKey: (id) => s.keys.deletePersistent(id),
    listPersistentKeys: () => s.keys.listPersistent(),
    async retailMac(h, data) {
      return s.crypto.mac(h, 'ISO9797_ALG3_M2', data);
    },
    async publicJwk(h) {
      const pub = s.keys.exportPublic(h);
      if (pub.length !== 65 || pub[0] !== 4) throw new CbpError(CbpErrorCode.INTERNAL, 'not a P-256 key');
      return {
        kty: 'EC',
        crv: 'P-256',
        x: bytesToBase64url(pub.subarray(1, 33)),
        y: bytesToBase64url(pub.subarray(33, 65)),
      };
    },
    randomBytes: (n) => s.random.bytes(n),
    now: () => s.clock.now(),
    monotonic: () => s.clock.monotonic(),
    read: (id) => s.storage.read(id),
    transaction: (ops) => s.storage.transaction(ops),
    list: () => s.storage.list(),
    stateCounter: () => s.counter.state(),
    decryptJwe: (h, jwe) => s.jose.decrypt(h, jwe, { alg: 'ECDH-ES+A256KW', enc: 'A256GCM' }),
    verifyJws: (jws, jwk) => s.jose.verify(jws, jwk, { alg: 'ES256' }),
    signJws: (h, payload, header) => s.jose.sign(h, payload, header),
    thumbprint: (jwk) => s.jose.thumbprint(jwk),
    async attest(nonce, keys) {
      const n = base64urlOrUndefined(nonce);
      if (!n) throw new CbpError(CbpErrorCode.BAD_PARAMETERS, 'nonce');
      return s.attest.statement({ nonce: n, keys });
    },
    async threatFlags() {
      if (s.threats && typeof s.threats.flags === 'function') return [...(await s.threats.flags())];
      // V-OS puts the flags V-Guard reported into every attestation; ask for one (no keys).
      return flagsOfAttestation(await s.attest.statement({ nonce: s.random.bytes(16), keys: [] }));
    },
  };
}
