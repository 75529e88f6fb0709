/**
 * The CBP TA core's platform in plain JavaScript (docs/mobile.md): the same `CbpPlatform` contract
 * as the software baseline (src/software-platform.ts) — usage flags, JOSE algorithm allowlists,
 * all-or-nothing transactions, a monotonic state counter — with nothing from Node: no
 * `node:crypto`, no `node:fs`, no `Buffer`. It is what runs the card side on Hermes (React
 * Native's engine; packages/hermes bundles it):
 *  - 3DES key objects and the retail MAC on emv's pure-JavaScript backend (`@openvse/emv/pure`,
 *    chosen for each MAC with `withCryptoBackend`, so the process-wide choice does not matter);
 *  - EC P-256 keys, ECDH-ES+A256KW / A256GCM JWE decryption, ES256 JWS signing and verification
 *    and RFC 7638 thumbprints on @noble/curves, @noble/hashes and @noble/ciphers (RFC 7516, RFC
 *    7518 §4.6 and §3.4); ES256 signatures are deterministic (RFC 6979);
 *  - randomness from the caller (`randomBytes`, required: Hermes has no CSPRNG of its own, a
 *    React Native app passes `crypto.getRandomValues` from a native module);
 *  - state in memory only (a mobile app would seal it with the OS keystore; not built here).
 *
 * ⚠ Like the software baseline it protects nothing: keys are bytes in the JavaScript heap of the
 * app (level L0, root of trust `software`, and its attestation says so). Side channels: the DES,
 * AES and P-256 code is table- and branch-based JavaScript with no constant-time guarantee.
 */
import { aeskw, gcm } from '@noble/ciphers/aes.js';
import { p256 } from '@noble/curves/nist.js';
import { sha256 } from '@noble/hashes/sha2.js';
import {
  base64urlToBytes,
  bytesToBase64url,
  bytesToHex,
  concatBytes,
  latin1Bytes,
  macIso9797Alg3,
  pureJsCryptoBackend,
  utf8Decode,
  utf8Encode,
  withCryptoBackend,
  zeroize,
} from '@openvse/emv/pure';
import {
  ATTESTATION_TYP,
  CBP_TA_UUID,
  CBP_TA_VERSION,
  type PublicEcJwk,
  SIGNATURE_ALG,
} from '@openvse/protocol';
import type { CbpPlatform } from './core/platform.js';
import { createMemoryKeyStore } from './memory-keys.js';

/** Options of {@link createPurePlatform}. */
export interface PurePlatformOptions {
  /**
   * The platform's only source of randomness: `n` cryptographically secure random bytes (on React
   * Native, `crypto.getRandomValues` from a native module). Required: Hermes has none of its own.
   */
  randomBytes(n: number): Uint8Array;
  /** Wall-clock milliseconds since the epoch; `Date.now` when absent. */
  clock?: { now(): number };
  /** A clock that never goes backwards (the CDCVM timeout); `clock.now` when absent. */
  monotonic?: () => number;
  /** The code identity the attestation reports (hex SHA-256); a fixed label's hash when absent. */
  codeSha256?: string;
}

/** The pure-JavaScript platform: a CbpPlatform with keys in the JavaScript heap (see above). */
export interface PurePlatform extends CbpPlatform {
  /** The public JWK of the platform identity that signs its attestations. */
  readonly platformPublicJwk: PublicEcJwk;
  /** The device id its attestations carry. */
  readonly deviceId: string;
  /** The threat flags set with `setThreatFlags`. */
  threatFlags(): Promise<string[]>;
  /** Stands in for V-Guard raising threat flags (`CODE` or `CODE:severity`). */
  setThreatFlags(flags: string[]): void;
}

const ascii = (s: string) => latin1Bytes(s);
const json = (v: unknown) => utf8Encode(JSON.stringify(v));

class PlatformError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PurePlatformError';
  }
}

function b64d(s: unknown, what: string): Uint8Array {
  if (typeof s !== 'string') throw new PlatformError(`${what}: not base64url`);
  try {
    return base64urlToBytes(s, what);
  } catch {
    throw new PlatformError(`${what}: not base64url`);
  }
}

function parseHeader(b64: string): Record<string, unknown> {
  let h: unknown;
  try {
    h = JSON.parse(utf8Decode(b64d(b64, 'protected header')));
  } catch {
    throw new PlatformError('protected header: not JSON');
  }
  if (typeof h !== 'object' || h === null || Array.isArray(h)) throw new PlatformError('protected header');
  const header = h as Record<string, unknown>;
  // No extension is understood (RFC 7515 §4.1.11), and the payload is always base64url.
  if (header.crit !== undefined || header.b64 !== undefined || header.zip !== undefined)
    throw new PlatformError('protected header: unsupported member');
  return header;
}

/** 04 ‖ X ‖ Y of a public P-256 JWK (the point is checked on the curve by noble when used). */
function pointOf(j: unknown): Uint8Array {
  const k = j as Partial<PublicEcJwk> | null;
  if (k?.kty !== 'EC' || k.crv !== 'P-256') throw new PlatformError('not a public P-256 JWK');
  const x = b64d(k.x, 'x');
  const y = b64d(k.y, 'y');
  if (x.length !== 32 || y.length !== 32) throw new PlatformError('not a public P-256 JWK');
  return concatBytes(Uint8Array.of(4), x, y);
}

function publicJwkOf(point: Uint8Array): PublicEcJwk {
  return {
    kty: 'EC',
    crv: 'P-256',
    x: bytesToBase64url(point.subarray(1, 33)),
    y: bytesToBase64url(point.subarray(33, 65)),
  };
}

/** RFC 7638: SHA-256 of the required members in lexicographic order, base64url. */
function thumbprintOf(point: Uint8Array): string {
  const j = publicJwkOf(point);
  return bytesToBase64url(sha256(ascii(`{"crv":"P-256","kty":"EC","x":"${j.x}","y":"${j.y}"}`)));
}

const u32be = (n: number) => Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
const lengthPrefixed = (b: Uint8Array) => concatBytes(u32be(b.length), b);

/** RFC 7518 §4.6.2: the Concat KDF (NIST SP 800-56A) for 256 bits, one SHA-256 round. */
function concatKdf256(z: Uint8Array, alg: string, apu: Uint8Array, apv: Uint8Array): Uint8Array {
  const input = concatBytes(
    u32be(1),
    z,
    lengthPrefixed(ascii(alg)),
    lengthPrefixed(apu),
    lengthPrefixed(apv),
    u32be(256),
  );
  try {
    return sha256(input);
  } finally {
    zeroize(input);
  }
}

/** A P-256 secret scalar from the caller's randomness (rejection sampling, FIPS 186-5 A.4.2). */
function newSecretKey(random: (n: number) => Uint8Array): Uint8Array {
  for (let i = 0; i < 64; i++) {
    const d = random(32);
    if (!(d instanceof Uint8Array) || d.length !== 32)
      throw new PlatformError('randomBytes must return n bytes');
    if (p256.utils.isValidSecretKey(d)) return d;
    zeroize(d);
  }
  throw new PlatformError('randomBytes gives no valid P-256 key');
}

/** A fresh pure-JavaScript platform, state in memory (see the module comment: it protects nothing). */
export async function createPurePlatform(options: PurePlatformOptions): Promise<PurePlatform> {
  if (typeof options?.randomBytes !== 'function')
    throw new PlatformError('options.randomBytes is required (no CSPRNG is assumed)');
  const random = (n: number): Uint8Array => {
    const b = options.randomBytes(n);
    if (!(b instanceof Uint8Array) || b.length !== n)
      throw new PlatformError('randomBytes must return n bytes');
    return b;
  };
  const clock = options.clock ?? { now: () => Date.now() };
  const monotonic = options.monotonic ?? (() => clock.now());
  const codeSha256 = options.codeSha256 ?? bytesToHex(sha256(ascii('openvse-cbp-pure-js'))).toLowerCase();
  const identitySecret = newSecretKey(random);
  const identityPoint = p256.getPublicKey(identitySecret, false);
  const identityKid = thumbprintOf(identityPoint);
  const deviceId = `js-${bytesToHex(random(8)).toLowerCase()}`;
  let counter = 0n;
  let flags: string[] = [];
  const { add, get, methods } = createMemoryKeyStore({
    randomBytes: random,
    changed: () => {
      counter += 1n;
    },
    fail: (message) => new PlatformError(message),
  });

  function signEs256(secret: Uint8Array, header: Record<string, unknown>, payload: Uint8Array): string {
    const input = `${bytesToBase64url(json(header))}.${bytesToBase64url(payload)}`;
    const sig = p256.sign(ascii(input), secret); // SHA-256 prehash, RFC 6979, r ‖ s
    return `${input}.${bytesToBase64url(sig)}`;
  }

  const platform: PurePlatform = {
    kind: 'pure-js',
    deviceId,
    platformPublicJwk: publicJwkOf(identityPoint),

    async generateEcKey(purpose) {
      const secret = newSecretKey(random);
      return add({
        type: 'EC_P256',
        secret,
        usage: purpose === 'enc' ? 'derive' : 'sign',
        pub: p256.getPublicKey(secret, false),
      });
    },
    ...methods,
    async retailMac(h, data) {
      const k = get(h, 'DES3', 'mac');
      return withCryptoBackend(pureJsCryptoBackend, () => macIso9797Alg3(k.secret, data, 2));
    },
    async publicJwk(h) {
      return publicJwkOf(get(h, 'EC_P256').pub!);
    },

    randomBytes: (n) => random(n),
    now: () => clock.now(),
    monotonic,

    stateCounter: () => counter,

    async decryptJwe(encKey, jwe) {
      const k = get(encKey, 'EC_P256', 'derive');
      const parts = typeof jwe === 'string' ? jwe.split('.') : [];
      if (parts.length !== 5) throw new PlatformError('not a compact JWE');
      const [h64, ek64, iv64, ct64, tag64] = parts as [string, string, string, string, string];
      const header = parseHeader(h64);
      if (header.alg !== 'ECDH-ES+A256KW' || header.enc !== 'A256GCM')
        throw new PlatformError('JWE: only ECDH-ES+A256KW with A256GCM');
      const shared = p256.getSharedSecret(k.secret, pointOf(header.epk), true);
      const z = shared.subarray(1);
      const apu = header.apu === undefined ? new Uint8Array(0) : b64d(header.apu, 'apu');
      const apv = header.apv === undefined ? new Uint8Array(0) : b64d(header.apv, 'apv');
      const kek = concatKdf256(z, 'ECDH-ES+A256KW', apu, apv);
      let cek: Uint8Array | undefined;
      try {
        cek = aeskw(kek).decrypt(b64d(ek64, 'encrypted key'));
        if (cek.length !== 32) throw new PlatformError('JWE: content key length');
        const iv = b64d(iv64, 'iv');
        if (iv.length !== 12) throw new PlatformError('JWE: iv length');
        const tag = b64d(tag64, 'tag');
        if (tag.length !== 16) throw new PlatformError('JWE: tag length');
        const plaintext = gcm(cek, iv, ascii(h64)).decrypt(concatBytes(b64d(ct64, 'ciphertext'), tag));
        return { plaintext, protectedHeader: header };
      } finally {
        zeroize(shared, kek, cek);
      }
    },
    async verifyJws(jws, publicJwk) {
      const point = pointOf(publicJwk);
      const parts = typeof jws === 'string' ? jws.split('.') : [];
      if (parts.length !== 3) throw new PlatformError('not a compact JWS');
      const [h64, p64, s64] = parts as [string, string, string];
      const header = parseHeader(h64);
      if (header.alg !== SIGNATURE_ALG) throw new PlatformError('JWS: only ES256');
      const sig = b64d(s64, 'signature');
      // JOSE allows either s (RFC 7518 §3.4): no low-S rule here.
      if (sig.length !== 64 || !p256.verify(sig, ascii(`${h64}.${p64}`), point, { lowS: false }))
        throw new PlatformError('JWS: signature does not verify');
      return { payload: b64d(p64, 'payload'), protectedHeader: header };
    },
    async signJws(sigKey, payload, protectedHeader) {
      const k = get(sigKey, 'EC_P256', 'sign');
      if (protectedHeader.alg !== SIGNATURE_ALG) throw new PlatformError('only ES256');
      return signEs256(k.secret, { ...protectedHeader, alg: SIGNATURE_ALG }, payload);
    },
    async thumbprint(jwk) {
      return thumbprintOf(pointOf(jwk));
    },

    async attest(nonce, keys) {
      const taPublicKeys: Record<string, PublicEcJwk> = {};
      keys.forEach((h, i) => {
        const k = get(h, 'EC_P256');
        taPublicKeys[k.persistentId ?? `key${i}`] = publicJwkOf(k.pub!);
      });
      // The claims of docs/attestation.md "Statement format", honest about this platform.
      const claims = {
        vosVersion: 'pure-js',
        deviceId,
        ta: { uuid: CBP_TA_UUID, codeSha256, version: CBP_TA_VERSION },
        protectionLevel: 'L0',
        isolation: { mode: 'embedded', appConfined: false, separateUser: false },
        rootOfTrust: { kind: 'software', hardwareBacked: false, anchor: false },
        threatFlags: [...flags],
        taPublicKeys,
        nonce,
        stateCounter: counter.toString(),
        iat: Math.floor(clock.now() / 1000),
      };
      return signEs256(
        identitySecret,
        { alg: SIGNATURE_ALG, typ: ATTESTATION_TYP, kid: identityKid },
        json(claims),
      );
    },

    async threatFlags() {
      return [...flags];
    },
    setThreatFlags(f) {
      flags = [...f];
    },
  };
  return platform;
}
