/**
 * The `jose` syscall object (capability 'jose'): JOSE on key HANDLES, done in the secure world
 * with the `jose` library, so a TA can open server messages and sign statements without ever
 * holding a private key's bytes (docs/cbp-protocol.md §2–§3; docs/design.md "Server ↔ TA
 * messages": JOSE with the jose library, never hand-rolled). Algorithm allowlists are fixed,
 * never taken from the token (RFC 8725 §3.1):
 *
 *   decrypt(encKey, compactJwe, { alg: 'ECDH-ES+A256KW', enc: 'A256GCM' })
 *       → { plaintext, protectedHeader }    RFC 7516 compact JWE; key EC_P256, usage 'derive'
 *   verify(compactJws, publicJwk, { alg: 'ES256' })
 *       → { payload, protectedHeader }      RFC 7515 compact JWS against a public P-256 JWK
 *   sign(sigKey, payload, protectedHeader) → compact JWS, ES256; key EC_P256, usage 'sign'
 *   thumbprint(publicJwk) → RFC 7638 SHA-256 thumbprint, base64url
 *
 * The key's private half is turned into a KeyObject only here, inside the worker. Results are
 * fresh Uint8Arrays and plain JSON copies of the headers. Failures are TeeErrors:
 * BAD_PARAMETERS (malformed input), NOT_SUPPORTED (algorithm outside the allowlist),
 * ACCESS_DENIED (key usage), MAC_INVALID (JWE does not decrypt), SIGNATURE_INVALID (JWS).
 */

import { TeeResult } from '@openvse/protocol';
import {
  CompactSign,
  calculateJwkThumbprint,
  compactDecrypt,
  compactVerify,
  decodeProtectedHeader,
  errors,
  importJWK,
  type JWK,
} from 'jose';
import type { KeyObj } from '../keys/key-object.js';
import { requireUsage, Usage } from '../keys/usage.js';
import { TeeError } from '../worker/tee-error.js';
import type { TaContext } from './context.js';
import { bad, bytesArg, fresh, guarded, optionsArg } from './guards.js';

export const JOSE_KEY_MANAGEMENT = 'ECDH-ES+A256KW';
export const JOSE_CONTENT_ENCRYPTION = 'A256GCM';
export const JOSE_SIGNATURE = 'ES256';
const MAX_TOKEN = 256 * 1024;
const MAX_PAYLOAD = 128 * 1024;
const SIGN_HEADER_MEMBERS = new Set(['alg', 'typ', 'kid', 'cty']);
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k', 'priv'];

function compact(v: unknown, parts: number, what: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_TOKEN || !/^[A-Za-z0-9_.-]+$/.test(v))
    throw bad(`${what} must be a compact serialization`);
  if (v.split('.').length !== parts) throw bad(`${what} must have ${parts} parts`);
  return v;
}

function ecKey(key: KeyObj): void {
  if (key.type !== 'EC_P256') throw bad('this operation needs an EC_P256 key');
}

/** A copy of a public P-256 JWK with only kty, crv, x, y; private members are refused. */
function publicJwkArg(v: unknown): JWK {
  const o = optionsArg(v, 'publicJwk');
  for (const m of PRIVATE_JWK_MEMBERS)
    if (Object.hasOwn(o, m)) throw bad('publicJwk holds private key material');
  if (o.kty !== 'EC' || o.crv !== 'P-256') throw bad('publicJwk must be an EC P-256 JWK');
  for (const c of ['x', 'y'] as const) {
    const s = o[c];
    if (typeof s !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(s))
      throw bad(`publicJwk.${c} must be 32 bytes base64url`);
  }
  return { kty: 'EC', crv: 'P-256', x: o.x as string, y: o.y as string };
}

/** A plain JSON copy of a header (never the library's own object). */
function headerCopy(h: unknown): Record<string, unknown> {
  return JSON.parse(JSON.stringify(h ?? {})) as Record<string, unknown>;
}

function joseFailure(e: unknown, fallback: number, message: string): TeeError {
  if (e instanceof TeeError) return e;
  if (e instanceof errors.JOSEAlgNotAllowed || e instanceof errors.JOSENotSupported)
    return new TeeError(TeeResult.ERROR_NOT_SUPPORTED, 'algorithm not allowed');
  if (e instanceof errors.JWEInvalid || e instanceof errors.JWSInvalid)
    return new TeeError(TeeResult.ERROR_BAD_PARAMETERS, 'malformed token');
  return new TeeError(fallback, message);
}

export function makeJoseSyscalls(ctx: TaContext) {
  const table = ctx.keys;
  return {
    decrypt: guarded(async (handle: unknown, jwe: unknown, options: unknown) => {
      const o = optionsArg(options, 'options');
      if (o.alg !== JOSE_KEY_MANAGEMENT || o.enc !== JOSE_CONTENT_ENCRYPTION)
        throw new TeeError(
          TeeResult.ERROR_NOT_SUPPORTED,
          `only ${JOSE_KEY_MANAGEMENT} / ${JOSE_CONTENT_ENCRYPTION}`,
        );
      const token = compact(jwe, 5, 'jwe');
      const key = table.get(handle);
      ecKey(key);
      requireUsage(key.usage, Usage.DERIVE);
      try {
        const r = await compactDecrypt(token, key.privateKey(), {
          keyManagementAlgorithms: [JOSE_KEY_MANAGEMENT],
          contentEncryptionAlgorithms: [JOSE_CONTENT_ENCRYPTION],
        });
        return { plaintext: fresh(r.plaintext, true), protectedHeader: headerCopy(r.protectedHeader) };
      } catch (e) {
        throw joseFailure(e, TeeResult.ERROR_MAC_INVALID, 'JWE does not decrypt');
      }
    }),
    verify: guarded(async (jws: unknown, publicJwk: unknown, options: unknown) => {
      const o = optionsArg(options, 'options');
      if (o.alg !== JOSE_SIGNATURE)
        throw new TeeError(TeeResult.ERROR_NOT_SUPPORTED, `only ${JOSE_SIGNATURE}`);
      const token = compact(jws, 3, 'jws');
      const jwk = publicJwkArg(publicJwk);
      let key: Awaited<ReturnType<typeof importJWK>>;
      try {
        key = await importJWK(jwk, JOSE_SIGNATURE);
      } catch {
        throw bad('publicJwk is not a P-256 point');
      }
      try {
        const r = await compactVerify(token, key, { algorithms: [JOSE_SIGNATURE] });
        return { payload: fresh(r.payload, true), protectedHeader: headerCopy(r.protectedHeader) };
      } catch (e) {
        throw joseFailure(e, TeeResult.ERROR_SIGNATURE_INVALID, 'JWS does not verify');
      }
    }),
    sign: guarded(async (handle: unknown, payload: unknown, protectedHeader: unknown): Promise<string> => {
      const h = optionsArg(protectedHeader, 'protectedHeader');
      if (h.alg !== JOSE_SIGNATURE)
        throw new TeeError(TeeResult.ERROR_NOT_SUPPORTED, `only ${JOSE_SIGNATURE}`);
      const header: Record<string, string> = {};
      for (const [k, v] of Object.entries(h)) {
        if (!SIGN_HEADER_MEMBERS.has(k)) throw bad('protectedHeader may only have alg, typ, kid, cty');
        if (typeof v !== 'string' || v.length === 0 || v.length > 256)
          throw bad(`protectedHeader.${k} must be a string`);
        header[k] = v;
      }
      const data = bytesArg(payload, 'payload', 0, MAX_PAYLOAD);
      const key = table.get(handle);
      ecKey(key);
      requireUsage(key.usage, Usage.SIGN);
      return new CompactSign(data)
        .setProtectedHeader({ ...header, alg: JOSE_SIGNATURE })
        .sign(key.privateKey());
    }),
    thumbprint: guarded(
      async (publicJwk: unknown): Promise<string> =>
        calculateJwkThumbprint(publicJwkArg(publicJwk), 'sha256'),
    ),
    /** The protected header of a compact token without verifying anything (for routing). */
    header: guarded((token: unknown): Record<string, unknown> => {
      if (typeof token !== 'string' || token.length > MAX_TOKEN) throw bad('token must be a string');
      try {
        return headerCopy(decodeProtectedHeader(token));
      } catch {
        throw bad('token has no readable protected header');
      }
    }),
  };
}
