/**
 * Tamper tests in the spirit of OP-TEE xtest 1008 (optee_test regression_1000.c, "Load corrupt
 * TA"): alter a real signed bundle at every byte (every bit, and a whole-byte inversion) and
 * expect a refusal each time. Bytes of the fixed header (magic, format, algorithm, reserved) are
 * refused as TEE_ERROR_BAD_FORMAT; every other byte (key id, lengths, manifest, code, signature)
 * as TEE_ERROR_SECURITY, because the signature is checked before anything inside it is parsed.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TeeResult, VosError } from '@openvse/protocol';
import { KEY_ID_OFFSET } from '../../src/ta-package/bundle-format.js';
import { packTa, verifyTaBundle } from '../../src/ta-package/index.js';
import { CODE, MANIFEST, SIGNER } from './fixtures.js';

function resultOf(bundle: Uint8Array): number {
  try {
    verifyTaBundle(bundle, [SIGNER.publicKeyPem]);
    return TeeResult.SUCCESS;
  } catch (e) {
    if (!(e instanceof VosError)) throw e;
    return e.result;
  }
}

function expectedFor(index: number): number {
  return index < KEY_ID_OFFSET ? TeeResult.ERROR_BAD_FORMAT : TeeResult.ERROR_SECURITY;
}

describe('every altered byte is refused', () => {
  test('small bundle: all 8 single-bit flips and a full inversion at every byte', () => {
    const bundle = packTa({ manifest: MANIFEST, code: CODE }, SIGNER.privateKeyPem);
    assert.equal(resultOf(bundle), TeeResult.SUCCESS);
    let tried = 0;
    for (let i = 0; i < bundle.length; i++) {
      for (const mask of [0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0xff]) {
        const t = bundle.slice();
        t[i]! ^= mask;
        const rc = resultOf(t);
        assert.equal(rc, expectedFor(i), `byte ${i} ^ 0x${mask.toString(16)} gave 0x${rc.toString(16)}`);
        tried++;
      }
    }
    assert.equal(tried, bundle.length * 9);
  });

  test('large bundle (256 KiB code): every header and manifest byte, plus 3000 sampled code/signature bytes', () => {
    const code = `'use strict';\n${'// filler line for a large TA bundle .........................\n'.repeat(4200)}({});\n`;
    const bundle = packTa({ manifest: MANIFEST, code }, SIGNER.privateKeyPem);
    assert.ok(bundle.length > 256 * 1024);
    assert.equal(resultOf(bundle), TeeResult.SUCCESS);
    const manifestLength = new DataView(bundle.buffer, bundle.byteOffset).getUint32(40, false);
    const headerEnd = 44 + manifestLength + 4;
    const positions = new Set<number>();
    for (let i = 0; i < headerEnd; i++) positions.add(i);
    for (let i = bundle.length - 64; i < bundle.length; i++) positions.add(i);
    // Deterministic spread over the code (linear congruential walk).
    let x = 12345;
    while (positions.size < headerEnd + 64 + 3000) {
      x = (x * 1103515245 + 12345) >>> 0;
      positions.add(headerEnd + (x % (bundle.length - 64 - headerEnd)));
    }
    for (const i of positions) {
      const t = bundle.slice();
      t[i]! ^= 1 << (i % 8);
      assert.equal(resultOf(t), expectedFor(i), `byte ${i}`);
    }
  });

  test('inserting or deleting a byte anywhere in a small bundle is refused', () => {
    const bundle = packTa({ manifest: MANIFEST, code: CODE }, SIGNER.privateKeyPem);
    for (let i = 0; i < bundle.length; i += 7) {
      const deleted = new Uint8Array(bundle.length - 1);
      deleted.set(bundle.subarray(0, i));
      deleted.set(bundle.subarray(i + 1), i);
      assert.notEqual(resultOf(deleted), TeeResult.SUCCESS, `delete at ${i}`);
      const inserted = new Uint8Array(bundle.length + 1);
      inserted.set(bundle.subarray(0, i));
      inserted[i] = 0x20;
      inserted.set(bundle.subarray(i), i + 1);
      assert.notEqual(resultOf(inserted), TeeResult.SUCCESS, `insert at ${i}`);
    }
  });
});
