// ISO/IEC 9797-1 §6.3 padding methods 1 and 2 (cases as in pyemv tests/test_mac.py).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bytesToHex } from '../../src/codec/index.js';
import { padIso9797, padIso9797M1, padIso9797M2, unpadIso9797M2 } from '../../src/crypto/index.js';

const F = (n: number) => 'FF'.repeat(n);

describe('padding method 1', () => {
  test('empty data becomes one zero block', () => {
    assert.equal(bytesToHex(padIso9797M1('')), '0000000000000000');
    assert.equal(bytesToHex(padIso9797M1('', 16)), '00'.repeat(16));
  });
  test('zeros up to the block; nothing added when aligned', () => {
    for (let i = 1; i <= 8; i++) assert.equal(bytesToHex(padIso9797M1(F(i))), F(i) + '00'.repeat(8 - i));
    for (let i = 1; i <= 16; i++)
      assert.equal(bytesToHex(padIso9797M1(F(i), 16)), F(i) + '00'.repeat(16 - i));
    assert.equal(bytesToHex(padIso9797M1(F(16))), F(16));
  });
});

describe('padding method 2', () => {
  test('80 then zeros, always added', () => {
    assert.equal(bytesToHex(padIso9797M2('')), '8000000000000000');
    for (let i = 0; i < 8; i++)
      assert.equal(bytesToHex(padIso9797M2(F(i))), `${F(i)}80${'00'.repeat(7 - i)}`);
    assert.equal(bytesToHex(padIso9797M2(F(8))), `${F(8)}80${'00'.repeat(7)}`);
    assert.equal(bytesToHex(padIso9797M2(F(16), 16)), `${F(16)}80${'00'.repeat(15)}`);
  });
  test('unpad inverts pad', () => {
    for (let i = 0; i < 20; i++) assert.equal(bytesToHex(unpadIso9797M2(padIso9797M2(F(i)))), F(i));
  });
  test('unpad rejects bad input', () => {
    assert.throws(() => unpadIso9797M2('FFFFFFFFFFFFFFFF'), { code: 'ERR_PADDING_INVALID' });
    assert.throws(() => unpadIso9797M2('800000000000000000000000000000'), { code: 'ERR_DATA_LENGTH' });
    assert.throws(() => unpadIso9797M2(''), { code: 'ERR_DATA_LENGTH' });
    // More than one block of 00s after the 80 is not padding.
    assert.throws(() => unpadIso9797M2(`80${'00'.repeat(15)}`), { code: 'ERR_PADDING_INVALID' });
  });
});

test('padIso9797 dispatches and rejects other methods', () => {
  assert.equal(bytesToHex(padIso9797('AA', 1)), 'AA00000000000000');
  assert.equal(bytesToHex(padIso9797('AA', 2)), 'AA80000000000000');
  for (const bad of [0, 3, '2', undefined, null])
    assert.throws(() => padIso9797('AA', bad as never), { code: 'ERR_PADDING_METHOD' });
});
