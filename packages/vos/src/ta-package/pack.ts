/**
 * Packing: build and sign a TA bundle from a manifest and its code (the `sign_encrypt.py` step of
 * OP-TEE's TA build, trusted_applications.rst). The manifest is validated exactly, the code hash
 * is computed here, and the bundle is signed with Ed25519 (RFC 8032) by the TA-signing key.
 * Layout: bundle-format.ts; documented in docs/ta-packages.md.
 */
import { createHash, type KeyObject, sign } from 'node:crypto';
import { TeeResult, VosError } from '@openvse/protocol';
import { encodeSignedPart, SIGNATURE_LENGTH, signatureInput } from './bundle-format.js';
import {
  encodeManifest,
  manifestProblem,
  normaliseManifest,
  type TaManifest,
  type TaManifestInput,
} from './manifest.js';
import { loadTaSigningKey, taKeyIdBytes } from './signing-keys.js';
import { encodeUtf8Strict } from './utf8.js';

export type TaPackInput = {
  manifest: TaManifestInput;
  /** One self-contained JS script, evaluated in an SES Compartment (no imports). */
  code: string;
};

/** Builds the signed bundle. Throws VosError TEE_ERROR_BAD_PARAMETERS for a bad manifest, code or key. */
export function packTa(input: TaPackInput, signingKey: KeyObject | string): Uint8Array {
  if (typeof input !== 'object' || input === null) {
    throw new VosError(TeeResult.ERROR_BAD_PARAMETERS, 'packTa input must be { manifest, code }');
  }
  const problem = manifestProblem(input.manifest, false);
  if (problem) throw new VosError(TeeResult.ERROR_BAD_PARAMETERS, problem);
  if (typeof input.code !== 'string' || input.code.length === 0) {
    throw new VosError(TeeResult.ERROR_BAD_PARAMETERS, 'TA code must be a non-empty string');
  }
  const key = loadTaSigningKey(signingKey);
  const code = encodeUtf8Strict(input.code, TeeResult.ERROR_BAD_PARAMETERS, 'TA code');
  const codeSha256 = createHash('sha256').update(code).digest('hex');
  const manifest: TaManifest = normaliseManifest({ ...input.manifest, codeSha256 });
  const signed = encodeSignedPart(taKeyIdBytes(key), encodeManifest(manifest), code);
  const signature = sign(null, signatureInput(signed), key);
  if (signature.length !== SIGNATURE_LENGTH)
    throw new VosError(TeeResult.ERROR_GENERIC, 'unexpected signature size');
  const bundle = new Uint8Array(signed.length + SIGNATURE_LENGTH);
  bundle.set(signed, 0);
  bundle.set(signature, signed.length);
  return bundle;
}
