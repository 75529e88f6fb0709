// EMV Book 2 §8.1 application cryptograms and §8.2 ARPC methods 1 and 2.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bytesToHex, hexToBytes } from '../../src/codec/index.js';
import { aesCmac, macIso9797Alg3, tdesEcbEncrypt } from '../../src/crypto/index.js';
import {
  generateAc,
  generateArpcMethod1,
  generateArpcMethod2,
  verifyAc,
  verifyArpcMethod1,
  verifyArpcMethod2,
} from '../../src/cryptogram/index.js';

const SK = 'AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBB';
const MIN_SET = '000000002000000000000000012400000080000124110309003804823E58000001';

describe('generateAc / verifyAc (TDES)', () => {
  test('vector arqc-doc-minimal-tags (padding 2)', () => {
    assert.equal(bytesToHex(generateAc({ key: SK, data: MIN_SET, paddingMethod: 2 })), '3B76CF10FECD8789');
  });
  test('is MAC algorithm 3 over the data with the given padding', () => {
    for (const p of [1, 2] as const)
      assert.deepEqual(
        generateAc({ key: SK, data: MIN_SET, paddingMethod: p }),
        macIso9797Alg3(SK, MIN_SET, p),
      );
  });
  test('chain values: padding 1 vs 2 over aligned data', () => {
    const key = '3E736BF8D37664348A04E3ABE00DEFC1';
    const data = '0123456789ABCDEF0123456789ABCDEF';
    assert.equal(bytesToHex(generateAc({ key, data, paddingMethod: 2 })), '4B46013359B7A58B');
    assert.equal(bytesToHex(generateAc({ key, data, paddingMethod: 1 })), '922F3E83125EB46B');
  });
  test('verify: true for the right AC, false for any change', () => {
    const ac = generateAc({ key: SK, data: MIN_SET, paddingMethod: 2 });
    assert.equal(verifyAc({ key: SK, data: MIN_SET, paddingMethod: 2, ac }), true);
    const wrong = new Uint8Array(ac);
    wrong[7]! ^= 1;
    assert.equal(verifyAc({ key: SK, data: MIN_SET, paddingMethod: 2, ac: wrong }), false);
    const data = hexToBytes(MIN_SET);
    data[0]! ^= 0x01;
    assert.equal(verifyAc({ key: SK, data, paddingMethod: 2, ac }), false);
    assert.equal(verifyAc({ key: SK, data: MIN_SET, paddingMethod: 1, ac }), false);
    assert.equal(verifyAc({ key: SK, data: MIN_SET, paddingMethod: 2, ac: ac.slice(0, 4) }), false);
  });
  test('errors', () => {
    assert.throws(() => generateAc({ key: SK, data: MIN_SET, paddingMethod: 4 as never }), {
      code: 'ERR_PADDING_METHOD',
    });
    assert.throws(() => generateAc({ key: SK.slice(0, 16), data: MIN_SET, paddingMethod: 2 }), {
      code: 'ERR_KEY_LENGTH',
    });
  });
});

describe('generateAc (AES)', () => {
  test('leftmost 8 bytes of AES-CMAC, no pre-padding', () => {
    const key = '2B7E151628AED2A6ABF7158809CF4F3C';
    const msg = '6BC1BEE22E409F96E93D7E117393172A';
    assert.equal(bytesToHex(generateAc({ key, data: msg, algorithm: 'aes' })), '070A16B46B4D4144');
    assert.deepEqual(generateAc({ key, data: MIN_SET, algorithm: 'aes' }), aesCmac(key, MIN_SET).slice(0, 8));
    assert.equal(verifyAc({ key, data: msg, algorithm: 'aes', ac: '070A16B46B4D4144' }), true);
  });
});

describe('ARPC', () => {
  const ARQC = '1234567890ABCDEF';
  test('method 1: vector arpc-doc and hand-walked', () => {
    assert.equal(bytesToHex(generateArpcMethod1(SK, ARQC, '0000')), 'F5E6F44147E2F1B0');
    // ARQC xor (ARC || 00x6), then TDES-ECB.
    assert.deepEqual(generateArpcMethod1(SK, ARQC, '3030'), tdesEcbEncrypt(SK, '2204567890ABCDEF'));
    assert.ok(verifyArpcMethod1(SK, ARQC, '0000', 'F5E6F44147E2F1B0'));
    assert.ok(!verifyArpcMethod1(SK, ARQC, '0001', 'F5E6F44147E2F1B0'));
  });
  test('method 2: vector arpc-doc and hand-walked', () => {
    assert.equal(bytesToHex(generateArpcMethod2(SK, ARQC, '00000000')), '9308BEBC');
    const withPad = macIso9797Alg3(SK, `${ARQC}00800000DEADBEEF`, 2).slice(0, 4);
    assert.deepEqual(generateArpcMethod2(SK, ARQC, '00800000', 'DEADBEEF'), withPad);
    assert.ok(verifyArpcMethod2(SK, ARQC, '00000000', '9308BEBC'));
    assert.ok(!verifyArpcMethod2(SK, ARQC, '00000001', '9308BEBC'));
  });
  test('errors', () => {
    assert.throws(() => generateArpcMethod1(SK, '1234', '0000'), { code: 'ERR_DATA_LENGTH' });
    assert.throws(() => generateArpcMethod1(SK, ARQC, '000000'), { code: 'ERR_DATA_LENGTH' });
    assert.throws(() => generateArpcMethod1(`${SK}CCCCCCCCCCCCCCCC`, ARQC, '0000'), {
      code: 'ERR_KEY_LENGTH',
    });
    assert.throws(() => generateArpcMethod2(SK, ARQC, '000000'), { code: 'ERR_DATA_LENGTH' });
    assert.throws(() => generateArpcMethod2(SK, ARQC, '00000000', '00'.repeat(9)), {
      code: 'ERR_DATA_LENGTH',
    });
    assert.throws(() => generateArpcMethod2(SK.slice(2), ARQC, '00000000'), { code: 'ERR_KEY_LENGTH' });
  });
});
