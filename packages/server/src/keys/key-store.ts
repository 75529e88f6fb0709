/**
 * The software key store of the CBP server (docs/design.md "Storage and scale";
 * docs/cbp-protocol.md §1): issuer master keys IMK_AC / IMK_MD (two-key TDES, with KCVs) and the
 * server's ES256 signing key, each kept in `issuer_keys` as an AES-256-GCM envelope under the KEK with
 * AAD = key name ‖ version. Secret bytes are decrypted only for the duration of one operation
 * and zeroed after; nothing here ever returns or logs them (only KCVs and the public JWK).
 * Also holds the KEK-derived keys that protect funding PANs and mobile PINs at rest.
 */
import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import { bytesToHex } from '@openvse/emv/codec';
import { keyCheckValue } from '@openvse/emv/crypto';
import { ApiErrorCode, type PublicEcJwk } from '@openvse/protocol';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { Clock } from '../clock.js';
import type { KeyRow } from '../domain/keys.js';
import { ServerError } from '../errors.js';
import type { Store } from '../storage/store.js';
import { open, seal, subkey } from './envelope.js';

/** The documented test issuer keys (docs/design.md "Test issuer"). Never use them in production. */
export const TEST_ISSUER_KEYS = Object.freeze({
  imkAc: '0123456789ABCDEFFEDCBA9876543210',
  imkMd: 'FEDCBA98765432100123456789ABCDEF',
});

/** The names of the keys in `issuer_keys`. */
export const KEY_NAMES = Object.freeze({
  imkAc: 'IMK_AC',
  imkMd: 'IMK_MD',
  serverSigning: 'SERVER_SIGNING_ES256',
});

/**
 * How to set up the issuer keys on first start: `generate` random ones, `test` import the
 * documented test keys, `import` given hex keys. Existing keys are kept; asking to import a key
 * whose KCV differs from the stored one is refused (ERR_CONFIG), never silently replaced.
 */
export type IssuerKeySetup =
  | { mode: 'generate' }
  | { mode: 'test' }
  | { mode: 'import'; imkAc: string; imkMd: string };

/** The issuer master keys, decrypted for one operation. */
export interface IssuerKeys {
  imkAc: Uint8Array;
  imkMd: Uint8Array;
}

/** What the server shows about its keys: versions, KCVs and the signing key id. */
export interface KeyInventory {
  imkAc: { version: number; kcv: string };
  imkMd: { version: number; kcv: string };
  serverSigning: { version: number; kid: string };
}

const aad = (name: string, version: number) => `${name}|${version}`;

function parseTdesKey(hex: string, what: string): Uint8Array {
  if (typeof hex !== 'string' || !/^([0-9a-fA-F]{32})$/.test(hex))
    throw new ServerError(ApiErrorCode.KEY_INVALID, `${what}: expected 32 hex digits (two-key TDES)`);
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/** The issuer keys, the signing key and the KEK-derived keys for secrets at rest. */
export class KeyStore {
  readonly #kek: Uint8Array;
  readonly #panKey: Uint8Array;
  readonly #panHashKey: Uint8Array;
  readonly #rows: { imkAc: KeyRow; imkMd: KeyRow; signing: KeyRow };
  readonly #signingKey: KeyObject;
  readonly signingPublicJwk: PublicEcJwk;
  readonly signingKid: string;

  private constructor(
    kek: Uint8Array,
    rows: { imkAc: KeyRow; imkMd: KeyRow; signing: KeyRow },
    signingKey: KeyObject,
    publicJwk: PublicEcJwk,
  ) {
    this.#kek = kek;
    this.#panKey = subkey(kek, 'funding-pan-enc');
    this.#panHashKey = subkey(kek, 'funding-pan-hash');
    this.#rows = rows;
    this.#signingKey = signingKey;
    this.signingPublicJwk = Object.freeze({ ...publicJwk });
    this.signingKid = rows.signing.kcv;
  }

  /** Loads the keys, creating the missing ones as `setup` says. */
  static async open(store: Store, kek: Uint8Array, setup: IssuerKeySetup, clock: Clock): Promise<KeyStore> {
    const k = new Uint8Array(kek);
    const imkAc = await KeyStore.#ensureTdes(store, k, KEY_NAMES.imkAc, setup, 'imkAc', clock);
    const imkMd = await KeyStore.#ensureTdes(store, k, KEY_NAMES.imkMd, setup, 'imkMd', clock);
    let signing = await store.getKey(KEY_NAMES.serverSigning);
    if (!signing) {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const der = privateKey.export({ format: 'der', type: 'pkcs8' });
      const jwk = publicKey.export({ format: 'jwk' }) as JWK;
      const pub = { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y };
      const kid = await calculateJwkThumbprint(pub, 'sha256');
      const row: KeyRow = {
        name: KEY_NAMES.serverSigning,
        version: 1,
        kind: 'es256',
        kcv: kid,
        wrapped: seal(k, der, aad(KEY_NAMES.serverSigning, 1)),
        publicJwk: JSON.stringify(pub),
        createdAt: clock.now(),
      };
      der.fill(0);
      await store.insertKey(row);
      signing = (await store.getKey(KEY_NAMES.serverSigning))!;
    }
    const der = open(k, signing.wrapped, aad(signing.name, signing.version));
    let privateKey: KeyObject;
    try {
      privateKey = createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
    } finally {
      der.fill(0);
    }
    const { x, y } = createPublicKey(privateKey).export({ format: 'jwk' });
    if (typeof x !== 'string' || typeof y !== 'string')
      throw new ServerError(ApiErrorCode.KEY_UNWRAP, 'server signing key is not an EC key');
    const publicJwk: PublicEcJwk = { kty: 'EC', crv: 'P-256', x, y };
    if ((await calculateJwkThumbprint(publicJwk, 'sha256')) !== signing.kcv)
      throw new ServerError(ApiErrorCode.KEY_UNWRAP, 'server signing key does not match its thumbprint');
    return new KeyStore(k, { imkAc, imkMd, signing }, privateKey, publicJwk);
  }

  static async #ensureTdes(
    store: Store,
    kek: Uint8Array,
    name: string,
    setup: IssuerKeySetup,
    which: 'imkAc' | 'imkMd',
    clock: Clock,
  ): Promise<KeyRow> {
    const existing = await store.getKey(name);
    let wanted: Uint8Array | undefined;
    if (setup.mode === 'test') wanted = parseTdesKey(TEST_ISSUER_KEYS[which], which);
    else if (setup.mode === 'import') wanted = parseTdesKey(setup[which], which);
    try {
      if (existing) {
        if (wanted && bytesToHex(keyCheckValue(wanted)) !== existing.kcv)
          throw new ServerError(
            ApiErrorCode.CONFIG,
            `${name}: the store already holds a different key (KCV ${existing.kcv}); refusing to replace it`,
          );
        // Prove the KEK opens it now rather than at the first authorization.
        open(kek, existing.wrapped, aad(existing.name, existing.version)).fill(0);
        return existing;
      }
      const key = wanted ?? new Uint8Array(randomBytes(16));
      try {
        const row: KeyRow = {
          name,
          version: 1,
          kind: 'tdes',
          kcv: bytesToHex(keyCheckValue(key)),
          wrapped: seal(kek, key, aad(name, 1)),
          publicJwk: null,
          createdAt: clock.now(),
        };
        if (!(await store.insertKey(row))) return (await store.getKey(name))!;
        return row;
      } finally {
        key.fill(0);
      }
    } finally {
      wanted?.fill(0);
    }
  }

  /** Runs `fn` with the decrypted issuer master keys, then zeroes them. */
  withIssuerKeys<T>(fn: (keys: IssuerKeys) => T): T {
    const { imkAc, imkMd } = this.#rows;
    const ac = open(this.#kek, imkAc.wrapped, aad(imkAc.name, imkAc.version));
    let md: Uint8Array | undefined;
    try {
      md = open(this.#kek, imkMd.wrapped, aad(imkMd.name, imkMd.version));
      return fn({ imkAc: ac, imkMd: md });
    } finally {
      ac.fill(0);
      md?.fill(0);
    }
  }

  /** KCVs and the signing key id: the only thing about keys the server ever shows. */
  inventory(): KeyInventory {
    return {
      imkAc: { version: this.#rows.imkAc.version, kcv: this.#rows.imkAc.kcv },
      imkMd: { version: this.#rows.imkMd.version, kcv: this.#rows.imkMd.kcv },
      serverSigning: { version: this.#rows.signing.version, kid: this.signingKid },
    };
  }

  /** The private signing key object (for jose); never exported. */
  get signingKey(): KeyObject {
    return this.#signingKey;
  }

  encryptSecret(purpose: 'funding-pan' | 'mobile-pin', cardId: string, value: string): string {
    return seal(this.#panKey, Buffer.from(value, 'utf8'), `${purpose}|${cardId}`);
  }

  decryptSecret(purpose: 'funding-pan' | 'mobile-pin', cardId: string, envelope: string): string {
    const b = open(this.#panKey, envelope, `${purpose}|${cardId}`);
    const s = Buffer.from(b).toString('utf8');
    b.fill(0);
    return s;
  }

  /** HMAC-SHA256 of a funding PAN under a KEK-derived key, for look-ups and duplicates. */
  panHash(pan: string): string {
    return createHmac('sha256', this.#panHashKey).update(pan).digest('base64url');
  }
}
