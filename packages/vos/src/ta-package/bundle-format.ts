/**
 * The byte layout of a signed TA bundle (`.ovta`), modelled on OP-TEE's signed TA header
 * (`struct shdr` + `shdr_bootstrap_ta`, optee_docs trusted_applications.rst): a fixed header with
 * magic, format version and algorithm, then the manifest and the code, then an Ed25519 signature
 * (RFC 8032, pure Ed25519) over a domain-separation prefix and every byte before it.
 *
 *   offset      size  field
 *   0           4     magic "OVTA" (4F 56 54 41)
 *   4           1     format version, 0x01
 *   5           1     signature algorithm, 0x01 = Ed25519
 *   6           2     reserved, 00 00
 *   8           32    signer key id (raw RFC 7638 thumbprint of the signer's public key)
 *   40          4     M = manifest length, u32 big-endian, 2..65536
 *   44          M     manifest, canonical JSON, UTF-8
 *   44+M        4     C = code length, u32 big-endian, 1..8 MiB
 *   48+M        C     code, UTF-8
 *   48+M+C      64    signature = Ed25519(key, SIGNING_DOMAIN ‖ bytes[0 .. 48+M+C))
 *
 * The total length is exactly 112 + M + C: nothing may follow the signature. This file only
 * frames bytes; it does no cryptography and no manifest validation.
 */
import { TeeResult, VosError } from '@openvse/protocol';

export const BUNDLE_MAGIC = Uint8Array.of(0x4f, 0x56, 0x54, 0x41); // "OVTA"
export const BUNDLE_FORMAT_VERSION = 1;
export const SIG_ALG_ED25519 = 1;
/** Prefix signed before the bundle bytes, so a bundle signature is never valid for another use of the key. */
export const SIGNING_DOMAIN = new TextEncoder().encode('OpenVSE TA bundle signature v1\0');

export const KEY_ID_OFFSET = 8;
export const KEY_ID_LENGTH = 32;
export const MANIFEST_LENGTH_OFFSET = KEY_ID_OFFSET + KEY_ID_LENGTH; // 40
export const FIXED_HEADER_LENGTH = MANIFEST_LENGTH_OFFSET + 4; // 44
export const SIGNATURE_LENGTH = 64;
export const MIN_MANIFEST_LENGTH = 2;
export const MAX_MANIFEST_LENGTH = 64 * 1024;
export const MIN_CODE_LENGTH = 1;
export const MAX_CODE_LENGTH = 8 * 1024 * 1024;
/** Fixed header + code length field + signature. */
export const BUNDLE_OVERHEAD = FIXED_HEADER_LENGTH + 4 + SIGNATURE_LENGTH; // 112
export const MIN_BUNDLE_LENGTH = BUNDLE_OVERHEAD + MIN_MANIFEST_LENGTH + MIN_CODE_LENGTH;
/**
 * Largest signed TA bundle in bytes: 112 bytes of header, length fields and signature, a 64 KiB
 * manifest and 8 MiB of code (docs/ta-packages.md "Layout"); a longer one is TEE_ERROR_BAD_FORMAT.
 */
export const MAX_BUNDLE_LENGTH = BUNDLE_OVERHEAD + MAX_MANIFEST_LENGTH + MAX_CODE_LENGTH;

/** A bundle cut into its parts; views into the original bytes. */
export type BundleParts = {
  keyId: Uint8Array;
  manifest: Uint8Array;
  code: Uint8Array;
  /** Everything the signature covers (after SIGNING_DOMAIN). */
  signed: Uint8Array;
  signature: Uint8Array;
};

function badFormat(message: string): VosError {
  return new VosError(TeeResult.ERROR_BAD_FORMAT, `TA bundle: ${message}`);
}

/** Lays out the signed part (everything before the signature). */
export function encodeSignedPart(keyId: Uint8Array, manifest: Uint8Array, code: Uint8Array): Uint8Array {
  if (keyId.length !== KEY_ID_LENGTH)
    throw new VosError(TeeResult.ERROR_BAD_PARAMETERS, 'key id must be 32 bytes');
  if (manifest.length < MIN_MANIFEST_LENGTH || manifest.length > MAX_MANIFEST_LENGTH) {
    throw new VosError(
      TeeResult.ERROR_BAD_PARAMETERS,
      `manifest must be ${MIN_MANIFEST_LENGTH}..${MAX_MANIFEST_LENGTH} bytes`,
    );
  }
  if (code.length < MIN_CODE_LENGTH || code.length > MAX_CODE_LENGTH) {
    throw new VosError(
      TeeResult.ERROR_BAD_PARAMETERS,
      `code must be ${MIN_CODE_LENGTH}..${MAX_CODE_LENGTH} bytes`,
    );
  }
  const out = new Uint8Array(FIXED_HEADER_LENGTH + manifest.length + 4 + code.length);
  const view = new DataView(out.buffer);
  out.set(BUNDLE_MAGIC, 0);
  out[4] = BUNDLE_FORMAT_VERSION;
  out[5] = SIG_ALG_ED25519;
  out.set(keyId, KEY_ID_OFFSET);
  view.setUint32(MANIFEST_LENGTH_OFFSET, manifest.length, false);
  out.set(manifest, FIXED_HEADER_LENGTH);
  view.setUint32(FIXED_HEADER_LENGTH + manifest.length, code.length, false);
  out.set(code, FIXED_HEADER_LENGTH + manifest.length + 4);
  return out;
}

/** The bytes an Ed25519 signature is computed over: SIGNING_DOMAIN ‖ signed part. */
export function signatureInput(signed: Uint8Array): Uint8Array {
  const out = new Uint8Array(SIGNING_DOMAIN.length + signed.length);
  out.set(SIGNING_DOMAIN, 0);
  out.set(signed, SIGNING_DOMAIN.length);
  return out;
}

/**
 * Checks the fixed header (size bounds, magic, format version, algorithm, reserved bytes) and
 * splits off the key id, the signed part and the signature. Does not look inside the signed part:
 * the lengths are parsed only after the signature has been verified (`parseSignedBody`).
 */
export function splitEnvelope(bundle: Uint8Array): Pick<BundleParts, 'keyId' | 'signed' | 'signature'> {
  if (!(bundle instanceof Uint8Array)) {
    throw new VosError(TeeResult.ERROR_BAD_PARAMETERS, 'TA bundle must be a Uint8Array');
  }
  if (bundle.length < MIN_BUNDLE_LENGTH) badFormatThrow(`too short (${bundle.length} bytes)`);
  if (bundle.length > MAX_BUNDLE_LENGTH) badFormatThrow(`too long (${bundle.length} bytes)`);
  for (let i = 0; i < BUNDLE_MAGIC.length; i++) {
    if (bundle[i] !== BUNDLE_MAGIC[i]) badFormatThrow('bad magic (not an OVTA bundle)');
  }
  if (bundle[4] !== BUNDLE_FORMAT_VERSION) badFormatThrow(`unsupported format version ${bundle[4]}`);
  if (bundle[5] !== SIG_ALG_ED25519) badFormatThrow(`unsupported signature algorithm ${bundle[5]}`);
  if (bundle[6] !== 0 || bundle[7] !== 0) badFormatThrow('reserved header bytes must be zero');
  const sigAt = bundle.length - SIGNATURE_LENGTH;
  return {
    keyId: bundle.subarray(KEY_ID_OFFSET, KEY_ID_OFFSET + KEY_ID_LENGTH),
    signed: bundle.subarray(0, sigAt),
    signature: bundle.subarray(sigAt),
  };
}

function badFormatThrow(message: string): never {
  throw badFormat(message);
}

/** Splits the (already authenticated) signed part into manifest and code, checking every length. */
export function parseSignedBody(signed: Uint8Array): Pick<BundleParts, 'manifest' | 'code'> {
  const view = new DataView(signed.buffer, signed.byteOffset, signed.byteLength);
  if (signed.length < FIXED_HEADER_LENGTH + 4) badFormatThrow('truncated header');
  const m = view.getUint32(MANIFEST_LENGTH_OFFSET, false);
  if (m < MIN_MANIFEST_LENGTH || m > MAX_MANIFEST_LENGTH) badFormatThrow(`manifest length ${m} out of range`);
  const codeLenAt = FIXED_HEADER_LENGTH + m;
  if (codeLenAt + 4 > signed.length) badFormatThrow('manifest length runs past the end');
  const c = view.getUint32(codeLenAt, false);
  if (c < MIN_CODE_LENGTH || c > MAX_CODE_LENGTH) badFormatThrow(`code length ${c} out of range`);
  const codeAt = codeLenAt + 4;
  if (codeAt + c !== signed.length) {
    badFormatThrow(
      codeAt + c > signed.length ? 'code length runs past the end' : 'trailing bytes after the code',
    );
  }
  return {
    manifest: signed.subarray(FIXED_HEADER_LENGTH, codeLenAt),
    code: signed.subarray(codeAt, codeAt + c),
  };
}
