/**
 * A TA's identity is the pair (UUID, signing key), not the UUID alone: its sealed-storage
 * namespace (and with it its persistent keys) and its version floor are derived from both, so a
 * bundle with a victim's UUID but signed by another pinned key can never reach the victim's objects,
 * keys or floor (docs/ta-packages.md "Identity and updates"). The signing key is named by its key id,
 * the base64url RFC 7638 thumbprint of signing-keys.ts `taKeyId`, the value `verifyTaBundle` returns.
 *
 * OP-TEE binds a TA's storage to its UUID alone (TSK = HMAC-SHA256(SSK, TA_UUID)) and relies on one
 * signing key per build; with several pinned keys V-OS binds it to the signer too.
 */
import { createHash } from 'node:crypto';
import { isTaUuid, TeeResult, VosError } from '@openvse/protocol';
import { KEY_ID_LENGTH, splitEnvelope } from './bundle-format.js';

/** Domain separation of the storage-namespace derivation (the UUIDv8 below). */
const NAMESPACE_LABEL = 'openvse/ta-storage-namespace/v1';
const KEY_ID_TEXT = /^[A-Za-z0-9_-]{43}$/;

function bad(message: string): VosError {
  return new VosError(TeeResult.ERROR_BAD_PARAMETERS, message);
}

/** The 32 raw bytes of a base64url key id; refuses anything that is not exactly one. */
function keyIdBytes(signerKeyId: unknown): Buffer {
  if (typeof signerKeyId !== 'string' || !KEY_ID_TEXT.test(signerKeyId)) {
    throw bad('signer key id must be a 43-character base64url RFC 7638 thumbprint');
  }
  const raw = Buffer.from(signerKeyId, 'base64url');
  if (raw.length !== KEY_ID_LENGTH || raw.toString('base64url') !== signerKeyId) {
    throw bad('signer key id is not a canonical base64url thumbprint');
  }
  return raw;
}

function checkUuid(uuid: unknown): string {
  if (!isTaUuid(uuid)) throw bad('TA uuid must be a lowercase RFC 4122 UUID');
  return uuid;
}

/**
 * The sealed-storage namespace of the TA (uuid, signer): `ta:<u>` where `<u>` is a UUIDv8
 * (RFC 9562 §5.8, SHA-256 based as in its Appendix B.2) made from the first 16 bytes of
 * SHA-256(`openvse/ta-storage-namespace/v1` ‖ 0x00 ‖ uuid (36 ASCII bytes) ‖ raw key id (32 bytes)).
 * It fits the store's `ta:<uuid>` namespace rule, differs for every signer of one UUID, and is
 * never the TA's own UUID, so no TA is given the bare `ta:<uuid>` namespace any more.
 */
export function taStorageNamespace(uuid: string, signerKeyId: string): string {
  const u = checkUuid(uuid);
  const id = keyIdBytes(signerKeyId);
  const h = createHash('sha256')
    .update(NAMESPACE_LABEL, 'utf8')
    .update(Uint8Array.of(0))
    .update(u, 'utf8')
    .update(id)
    .digest()
    .subarray(0, 16);
  h[6] = (h[6]! & 0x0f) | 0x80; // version 8
  h[8] = (h[8]! & 0x3f) | 0x80; // variant 10xx
  const x = h.toString('hex');
  return `ta:${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** The name of the identity (uuid, signer) in V-OS records: `<uuid>:<signerKeyId>`. */
export function taIdentityKey(uuid: string, signerKeyId: string): string {
  const u = checkUuid(uuid);
  keyIdBytes(signerKeyId);
  return `${u}:${signerKeyId}`;
}

/**
 * The base64url key id a bundle's header names as its signer. No signature check: use it only on
 * bundles V-OS verified before and kept sealed (to learn who owns an installed UUID).
 */
export function bundleSignerKeyId(bundle: Uint8Array): string {
  return Buffer.from(splitEnvelope(bundle).keyId).toString('base64url');
}
