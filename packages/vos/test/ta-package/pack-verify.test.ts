/** Round trip and refusal cases of packTa / verifyTaBundle (bundle format: docs/ta-packages.md). */

import assert from 'node:assert/strict';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import { TeeResult, VosError } from '@openvse/protocol';
import { SIGNATURE_LENGTH } from '../../src/ta-package/bundle-format.js';
import { BUNDLE_MAGIC, packTa, verifyTaBundle } from '../../src/ta-package/index.js';
import { CODE, MANIFEST, OTHER, SIGNER } from './fixtures.js';

function rejects(fn: () => unknown, result: number, msg?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof VosError, `expected VosError, got ${String(e)}`);
    assert.equal(e.result, result, `expected ${result.toString(16)}, got ${e.code}: ${e.message}`);
    if (msg) assert.match(e.message, msg);
    return true;
  });
}

describe('packTa / verifyTaBundle', () => {
  const bundle = packTa({ manifest: MANIFEST, code: CODE }, SIGNER.privateKeyPem);

  test('round trip returns the manifest, the code and the signer key id', () => {
    const out = verifyTaBundle(bundle, [SIGNER.publicKeyPem]);
    assert.equal(out.code, CODE);
    assert.equal(out.signerKeyId, SIGNER.keyId);
    assert.deepEqual(out.manifest, {
      uuid: MANIFEST.uuid,
      name: MANIFEST.name,
      version: MANIFEST.version,
      capabilities: ['crypto.sha', 'log', 'random'],
      codeSha256: createHash('sha256').update(CODE, 'utf8').digest('hex'),
      commands: { digest: 2, echo: 1 },
      timeoutMs: 2000,
    });
    assert.ok(Object.isFrozen(out.manifest));
    assert.ok(Object.isFrozen(out.manifest.capabilities));
  });

  test('bundle starts with the OVTA magic and ends with a 64-byte signature', () => {
    assert.deepEqual(bundle.subarray(0, 4), BUNDLE_MAGIC);
    assert.equal(bundle[4], 1);
    assert.equal(bundle[5], 1);
    assert.ok(bundle.length > 112 + CODE.length);
  });

  test('accepts KeyObjects as well as PEM, and any one of several pinned keys', () => {
    const priv = createPrivateKey(SIGNER.privateKeyPem);
    const b = packTa({ manifest: MANIFEST, code: CODE }, priv);
    const out = verifyTaBundle(b, [OTHER.publicKeyPem, createPublicKey(SIGNER.publicKeyPem)]);
    assert.equal(out.signerKeyId, SIGNER.keyId);
  });

  test('packing is deterministic (Ed25519) and independent of capability/command order', () => {
    const a = packTa({ manifest: MANIFEST, code: CODE }, SIGNER.privateKeyPem);
    const b = packTa(
      {
        manifest: {
          ...MANIFEST,
          capabilities: ['random', 'log', 'crypto.sha'],
          commands: { echo: 1, digest: 2 },
        },
        code: CODE,
      },
      SIGNER.privateKeyPem,
    );
    assert.deepEqual(a, b);
  });

  test('minimal manifest (no commands, no timeout, no capabilities) round-trips', () => {
    const { commands: _c, timeoutMs: _t, ...rest } = MANIFEST;
    const b = packTa({ manifest: { ...rest, capabilities: [] }, code: 'x' }, SIGNER.privateKeyPem);
    const out = verifyTaBundle(b, [SIGNER.publicKeyPem]);
    assert.deepEqual(Object.keys(out.manifest), ['uuid', 'name', 'version', 'capabilities', 'codeSha256']);
    assert.equal(out.code, 'x');
  });

  test('non-ASCII code round-trips byte-exactly', () => {
    const code = "const s = 'crédit € 💳';\n";
    const out = verifyTaBundle(packTa({ manifest: MANIFEST, code }, SIGNER.privateKeyPem), [
      SIGNER.publicKeyPem,
    ]);
    assert.equal(out.code, code);
  });

  test('a bundle signed by a key that is not pinned is refused (TEE_ERROR_SECURITY)', () => {
    rejects(() => verifyTaBundle(bundle, [OTHER.publicKeyPem]), TeeResult.ERROR_SECURITY, /not pinned/);
  });

  test('re-signed with another key is refused', () => {
    const resigned = packTa({ manifest: MANIFEST, code: CODE }, OTHER.privateKeyPem);
    rejects(() => verifyTaBundle(resigned, [SIGNER.publicKeyPem]), TeeResult.ERROR_SECURITY);
    // The attacker also copies the pinned key id into the header: the signature still fails.
    const forged = resigned.slice();
    forged.set(bundle.subarray(8, 40), 8);
    rejects(() => verifyTaBundle(forged, [SIGNER.publicKeyPem]), TeeResult.ERROR_SECURITY, /signature/);
    // And a signature lifted from the genuine bundle onto altered content fails too.
    const altered = packTa(
      { manifest: { ...MANIFEST, capabilities: ['keys'] }, code: CODE },
      OTHER.privateKeyPem,
    );
    const spliced = altered.slice();
    spliced.set(bundle.subarray(8, 40), 8);
    spliced.set(bundle.subarray(bundle.length - SIGNATURE_LENGTH), spliced.length - SIGNATURE_LENGTH);
    rejects(() => verifyTaBundle(spliced, [SIGNER.publicKeyPem]), TeeResult.ERROR_SECURITY);
  });

  test('unsigned bundles are refused: zeroed, stripped, or truncated signature', () => {
    const zeroed = bundle.slice();
    zeroed.fill(0, zeroed.length - SIGNATURE_LENGTH);
    rejects(() => verifyTaBundle(zeroed, [SIGNER.publicKeyPem]), TeeResult.ERROR_SECURITY, /signature/);
    const stripped = bundle.slice(0, bundle.length - SIGNATURE_LENGTH);
    rejects(() => verifyTaBundle(stripped, [SIGNER.publicKeyPem]), TeeResult.ERROR_SECURITY);
    for (const cut of [1, 32, 63]) {
      rejects(
        () => verifyTaBundle(bundle.slice(0, bundle.length - cut), [SIGNER.publicKeyPem]),
        TeeResult.ERROR_SECURITY,
      );
    }
  });

  test('trailing bytes after the signature are refused', () => {
    for (const extra of [Uint8Array.of(0), new Uint8Array(64)]) {
      const longer = new Uint8Array(bundle.length + extra.length);
      longer.set(bundle);
      longer.set(extra, bundle.length);
      rejects(() => verifyTaBundle(longer, [SIGNER.publicKeyPem]), TeeResult.ERROR_SECURITY);
    }
  });

  test('empty, tiny and non-OVTA inputs are refused as TEE_ERROR_BAD_FORMAT', () => {
    rejects(() => verifyTaBundle(new Uint8Array(0), [SIGNER.publicKeyPem]), TeeResult.ERROR_BAD_FORMAT);
    rejects(() => verifyTaBundle(new Uint8Array(10), [SIGNER.publicKeyPem]), TeeResult.ERROR_BAD_FORMAT);
    rejects(
      () => verifyTaBundle(new Uint8Array(500), [SIGNER.publicKeyPem]),
      TeeResult.ERROR_BAD_FORMAT,
      /magic/,
    );
  });

  test('bad arguments are TEE_ERROR_BAD_PARAMETERS', () => {
    rejects(() => verifyTaBundle(bundle, []), TeeResult.ERROR_BAD_PARAMETERS);
    rejects(() => verifyTaBundle(bundle, [SIGNER.privateKeyPem]), TeeResult.ERROR_BAD_PARAMETERS, /public/);
    rejects(
      () => verifyTaBundle(bundle, [createPrivateKey(SIGNER.privateKeyPem)]),
      TeeResult.ERROR_BAD_PARAMETERS,
    );
    rejects(() => verifyTaBundle(bundle, ['not a pem']), TeeResult.ERROR_BAD_PARAMETERS);
    const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    rejects(() => verifyTaBundle(bundle, [p256.publicKey]), TeeResult.ERROR_BAD_PARAMETERS, /Ed25519/);
    rejects(
      () => verifyTaBundle('OVTA' as unknown as Uint8Array, [SIGNER.publicKeyPem]),
      TeeResult.ERROR_BAD_PARAMETERS,
    );
    rejects(
      () => packTa({ manifest: MANIFEST, code: CODE }, SIGNER.publicKeyPem),
      TeeResult.ERROR_BAD_PARAMETERS,
    );
    rejects(
      () => packTa({ manifest: MANIFEST, code: CODE }, p256.privateKey),
      TeeResult.ERROR_BAD_PARAMETERS,
    );
    rejects(
      () => packTa({ manifest: MANIFEST, code: '' }, SIGNER.privateKeyPem),
      TeeResult.ERROR_BAD_PARAMETERS,
    );
    rejects(
      () => packTa({ manifest: MANIFEST, code: 'a\ud800b' }, SIGNER.privateKeyPem),
      TeeResult.ERROR_BAD_PARAMETERS,
    );
  });

  test('packTa refuses a manifest that carries its own codeSha256 or an unknown member', () => {
    const withHash = { ...MANIFEST, codeSha256: '0'.repeat(64) };
    rejects(
      () => packTa({ manifest: withHash, code: CODE }, SIGNER.privateKeyPem),
      TeeResult.ERROR_BAD_PARAMETERS,
      /codeSha256/,
    );
    const extra = { ...MANIFEST, entry: 'main' };
    rejects(
      () => packTa({ manifest: extra, code: CODE }, SIGNER.privateKeyPem),
      TeeResult.ERROR_BAD_PARAMETERS,
      /entry/,
    );
  });
});
