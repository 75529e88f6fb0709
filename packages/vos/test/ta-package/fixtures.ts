/**
 * Shared fixtures for the TA package tests: a realistic manifest and TA script, fresh Ed25519
 * keys, and a helper that signs arbitrary (even malformed) signed parts with the real layout, so
 * tests can show that the verifier refuses bad content even under a valid signature.
 */
import { sign } from 'node:crypto';
import { encodeSignedPart, signatureInput } from '../../src/ta-package/bundle-format.js';
import { generateTaSigningKeyPair, type TaManifestInput } from '../../src/ta-package/index.js';
import { loadTaSigningKey, taKeyIdBytes } from '../../src/ta-package/signing-keys.js';

export const MANIFEST: TaManifestInput = {
  uuid: '6e1c2c8a-7b5e-4d1f-9a53-0c1d2e3f4a5b',
  name: 'Test Echo TA',
  version: '1.2.3',
  capabilities: ['log', 'crypto.sha', 'random'],
  commands: { echo: 1, digest: 2 },
  timeoutMs: 2000,
};

export const CODE = `'use strict';
// A self-contained TA script: no imports, only the endowments its manifest grants.
const handlers = {
  1: (params) => params,
  2: (params) => ({ digest: sha256(params[0]) }),
};
function invoke(commandId, params) {
  const h = handlers[commandId];
  if (!h) return { rc: 0xffff0006 };
  return h(params);
}
({ invoke });
`;

export const SIGNER = generateTaSigningKeyPair();
export const OTHER = generateTaSigningKeyPair();

/** Signs an arbitrary manifest byte string and code with `pem`, using the real bundle layout. */
export function signRaw(
  manifest: Uint8Array,
  code: Uint8Array,
  pem: string = SIGNER.privateKeyPem,
): Uint8Array {
  const key = loadTaSigningKey(pem);
  const signed = encodeSignedPart(taKeyIdBytes(key), manifest, code);
  const sig = sign(null, signatureInput(signed), key);
  const out = new Uint8Array(signed.length + sig.length);
  out.set(signed);
  out.set(sig, signed.length);
  return out;
}

/** Re-signs an already laid-out signed part (for tests that edit lengths by hand). */
export function signSignedPart(signed: Uint8Array, pem: string = SIGNER.privateKeyPem): Uint8Array {
  const key = loadTaSigningKey(pem);
  const sig = sign(null, signatureInput(signed), key);
  const out = new Uint8Array(signed.length + sig.length);
  out.set(signed);
  out.set(sig, signed.length);
  return out;
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
