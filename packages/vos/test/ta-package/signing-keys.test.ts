/** TA-signing key generation and key ids (RFC 8032 Ed25519 keys, RFC 7638 thumbprints). */

import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { test } from 'node:test';
import { calculateJwkThumbprint } from 'jose';
import {
  generateTaSigningKeyPair,
  loadTaPublicKey,
  loadTaSigningKey,
  taKeyId,
} from '../../src/ta-package/index.js';

test('generateTaSigningKeyPair gives a PKCS#8/SPKI Ed25519 pair that signs and verifies', () => {
  const kp = generateTaSigningKeyPair();
  assert.match(kp.privateKeyPem, /^-----BEGIN PRIVATE KEY-----/);
  assert.match(kp.publicKeyPem, /^-----BEGIN PUBLIC KEY-----/);
  const priv = loadTaSigningKey(kp.privateKeyPem);
  const pub = loadTaPublicKey(kp.publicKeyPem);
  const sig = sign(null, Buffer.from('m'), priv);
  assert.ok(verify(null, Buffer.from('m'), pub, sig));
  assert.notEqual(generateTaSigningKeyPair().keyId, kp.keyId);
});

test('keyId is the RFC 7638 thumbprint, the same as jose computes, from either half', async () => {
  const kp = generateTaSigningKeyPair();
  const jwk = createPublicKey(kp.publicKeyPem).export({ format: 'jwk' });
  const expected = await calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: jwk.x! }, 'sha256');
  assert.equal(kp.keyId, expected);
  assert.equal(taKeyId(kp.publicKeyPem), expected);
  assert.equal(taKeyId(kp.privateKeyPem), expected);
  assert.equal(taKeyId(createPrivateKey(kp.privateKeyPem)), expected);
  assert.match(kp.keyId, /^[A-Za-z0-9_-]{43}$/);
});
