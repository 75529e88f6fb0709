/**
 * Verification of a signed TA bundle before V-OS installs or loads it, following OP-TEE's load
 * path (`core/kernel/ree_fs_ta.c`, `shdr_verify_signature`): authenticate first, parse second.
 *
 *  1. fixed header: size bounds, magic, format version, algorithm, reserved  → TEE_ERROR_BAD_FORMAT
 *  2. the signer key id names one of the pinned keys                        → TEE_ERROR_SECURITY
 *  3. Ed25519 (RFC 8032) over SIGNING_DOMAIN ‖ everything before the signature → TEE_ERROR_SECURITY
 *  4. only then: every length, strict UTF-8, exact manifest schema, canonical encoding
 *                                                                           → TEE_ERROR_BAD_FORMAT
 *  5. SHA-256(code) equals the manifest's codeSha256                         → TEE_ERROR_SECURITY
 *
 * The caller still checks that the manifest UUID is the one it asked for, and the version floor
 * (version-floor.ts), as OP-TEE does after the signature.
 */
import { createHash, type KeyObject, timingSafeEqual, verify } from 'node:crypto';
import { TeeResult, VosError } from '@openvse/protocol';
import { parseSignedBody, SIGNATURE_LENGTH, signatureInput, splitEnvelope } from './bundle-format.js';
import { assertManifest, encodeManifest, normaliseManifest, type TaManifest } from './manifest.js';
import { loadTaPublicKey, taKeyIdBytes } from './signing-keys.js';
import { decodeUtf8Strict } from './utf8.js';

/**
 * What {@link verifyTaBundle} returns for an authentic bundle: the validated manifest, the code as
 * text and the base64url key id of the pinned key that signed it.
 */
export type VerifiedTa = { manifest: TaManifest; code: string; signerKeyId: string };

function security(message: string): VosError {
  return new VosError(TeeResult.ERROR_SECURITY, `TA bundle: ${message}`);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Verifies `bundle` against the pinned TA-signing public keys and returns its manifest, its code
 * and the key id of the key that signed it. Throws VosError (see the module comment for codes).
 */
export function verifyTaBundle(bundle: Uint8Array, pinnedPublicKeys: Array<KeyObject | string>): VerifiedTa {
  if (!Array.isArray(pinnedPublicKeys) || pinnedPublicKeys.length === 0) {
    throw new VosError(TeeResult.ERROR_BAD_PARAMETERS, 'at least one pinned TA public key is required');
  }
  const pinned = pinnedPublicKeys.map((k) => {
    const key = loadTaPublicKey(k);
    return { key, id: taKeyIdBytes(key) };
  });

  const env = splitEnvelope(bundle);
  const signer = pinned.find((p) => sameBytes(p.id, env.keyId));
  if (!signer) throw security('signed by a key that is not pinned');
  if (env.signature.length !== SIGNATURE_LENGTH) throw security('signature missing');
  let ok = false;
  try {
    ok = verify(null, signatureInput(env.signed), signer.key, env.signature);
  } catch {
    ok = false;
  }
  if (!ok) throw security('signature does not verify');

  const body = parseSignedBody(env.signed);
  const manifestText = decodeUtf8Strict(body.manifest, TeeResult.ERROR_BAD_FORMAT, 'TA bundle: manifest');
  let parsed: unknown;
  try {
    parsed = JSON.parse(manifestText);
  } catch {
    throw new VosError(TeeResult.ERROR_BAD_FORMAT, 'TA bundle: manifest is not JSON');
  }
  const manifest = normaliseManifest(assertManifest(parsed, TeeResult.ERROR_BAD_FORMAT));
  if (!sameBytes(encodeManifest(manifest), body.manifest)) {
    throw new VosError(TeeResult.ERROR_BAD_FORMAT, 'TA bundle: manifest is not in canonical form');
  }
  const code = decodeUtf8Strict(body.code, TeeResult.ERROR_BAD_FORMAT, 'TA bundle: code');
  const digest = createHash('sha256').update(body.code).digest();
  if (!sameBytes(digest, Buffer.from(manifest.codeSha256, 'hex'))) {
    throw security('code does not match the manifest codeSha256');
  }
  return { manifest, code, signerKeyId: Buffer.from(signer.id).toString('base64url') };
}
