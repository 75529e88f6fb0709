// Key check values (docs/emv-cryptography.md §2.3) and DES odd parity (FIPS 46-3).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bytesToHex, hexToBytes } from '../../src/codec/index.js';
import { adjustOddParity, aesEcbEncrypt, hasOddParity, keyCheckValue } from '../../src/crypto/index.js';

describe('keyCheckValue', () => {
  test('TDES: E(K)[00x8], 3 bytes by default, 2 for HSM style', () => {
    // icc_mk of vector udk-optA-12345678901234567-45: kcv3 FF089D, kcv2_hsm FF08
    const mk = '946DC1A8C78A624519BC4645CB073737';
    assert.equal(bytesToHex(keyCheckValue(mk)), 'FF089D');
    assert.equal(bytesToHex(keyCheckValue(mk, { length: 2 })), 'FF08');
  });
  test('parity bits do not change a TDES KCV', () => {
    const raw = 'E8FA394BF807B841FEDCEA603461B1C5';
    assert.deepEqual(keyCheckValue(raw), keyCheckValue(adjustOddParity(raw)));
    assert.equal(bytesToHex(keyCheckValue(raw)), '7DD53C');
  });
  test('AES: leftmost bytes of AES(K)[00x16]', () => {
    const k = '2B7E151628AED2A6ABF7158809CF4F3C';
    const full = aesEcbEncrypt(k, new Uint8Array(16));
    assert.deepEqual(keyCheckValue(k, { algorithm: 'aes' }), full.slice(0, 3));
    assert.deepEqual(keyCheckValue(k, { algorithm: 'aes', length: 5 }), full.slice(0, 5));
  });
  test('errors', () => {
    assert.throws(() => keyCheckValue('0011'), { code: 'ERR_KEY_LENGTH' });
    assert.throws(() => keyCheckValue('00'.repeat(16), { length: 9 }), { code: 'ERR_BAD_ARGUMENT' });
    assert.throws(() => keyCheckValue('00'.repeat(16), { algorithm: 'rc4' as never }), {
      code: 'ERR_BAD_ARGUMENT',
    });
  });
});

describe('odd parity', () => {
  test('adjusts every byte and returns a copy', () => {
    const raw = hexToBytes('E8FA394BF807B841FEDCEA603461B1C5');
    const before = bytesToHex(raw);
    const adj = adjustOddParity(raw);
    assert.equal(bytesToHex(adj), 'E9FB384AF807B940FEDCEA613461B0C4');
    assert.equal(bytesToHex(raw), before);
    assert.notEqual(adj, raw);
    assert.ok(hasOddParity(adj));
    assert.ok(!hasOddParity(raw));
  });
  test('every byte value', () => {
    for (let b = 0; b < 256; b++) {
      const [p] = adjustOddParity(new Uint8Array([b]));
      let ones = 0;
      for (let v = p!; v; v >>= 1) ones += v & 1;
      assert.equal(ones % 2, 1);
      assert.equal(p! & 0xfe, b & 0xfe);
    }
  });
});
