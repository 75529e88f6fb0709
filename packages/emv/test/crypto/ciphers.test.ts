// Known-answer tests for DES/TDES (FIPS 46-3 / FIPS 81 examples, OpenSSL-checked TDES values)
// and AES (FIPS 197 Appendix C, NIST SP 800-38A F.2).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bytesToHex, hexToBytes } from '../../src/codec/index.js';
import {
  aesCbcDecrypt,
  aesCbcEncrypt,
  aesEcbDecrypt,
  aesEcbEncrypt,
  desCbcDecrypt,
  desCbcEncrypt,
  desEcbDecrypt,
  desEcbEncrypt,
  tdesCbcDecrypt,
  tdesCbcEncrypt,
  tdesEcbDecrypt,
  tdesEcbEncrypt,
} from '../../src/crypto/index.js';

const NOW_IS_THE_TIME = '4E6F77206973207468652074696D6520666F7220616C6C20'; // "Now is the time for all "

describe('single DES (as EDE with K||K)', () => {
  test('FIPS 81 ECB example', () => {
    assert.equal(bytesToHex(desEcbEncrypt('0123456789ABCDEF', '4E6F772069732074')), '3FA40E8A984D4815');
    assert.equal(bytesToHex(desEcbDecrypt('0123456789ABCDEF', '3FA40E8A984D4815')), '4E6F772069732074');
  });
  test('FIPS 81 CBC example', () => {
    const ct = desCbcEncrypt('0123456789ABCDEF', NOW_IS_THE_TIME, '1234567890ABCDEF');
    assert.equal(bytesToHex(ct), 'E5C7CDDE872BF27C43E934008C389C0F683788499A7C05F6');
    assert.equal(bytesToHex(desCbcDecrypt('0123456789ABCDEF', ct, '1234567890ABCDEF')), NOW_IS_THE_TIME);
  });
  test('CBC IV defaults to zeros', () => {
    assert.deepEqual(
      desCbcEncrypt('0123456789ABCDEF', NOW_IS_THE_TIME),
      desCbcEncrypt('0123456789ABCDEF', NOW_IS_THE_TIME, '0000000000000000'),
    );
  });
});

describe('TDES', () => {
  const K2 = '0123456789ABCDEFFEDCBA9876543210';
  const K3 = '0123456789ABCDEFFEDCBA987654321089ABCDEF01234567';
  test('2-key EDE CBC, zero IV (value checked with openssl des-ede-cbc)', () => {
    const ct = tdesCbcEncrypt(K2, NOW_IS_THE_TIME);
    assert.equal(bytesToHex(ct), 'D80A0D8B2BAE5E4E319E5E68C3E8891B93462A6DB9B4A4D1');
    assert.equal(bytesToHex(tdesCbcDecrypt(K2, ct)), NOW_IS_THE_TIME);
  });
  test('3-key EDE ECB (value checked with openssl des-ede3-ecb)', () => {
    const ct = tdesEcbEncrypt(K3, '0000000000000000');
    assert.equal(bytesToHex(ct), '3FD539E3ABEB8B5B');
    assert.equal(bytesToHex(tdesEcbDecrypt(K3, ct)), '0000000000000000');
  });
  test('a 16-byte key is the 24-byte key K1||K2||K1', () => {
    const k24 = `${K2}${K2.slice(0, 16)}`;
    assert.deepEqual(tdesEcbEncrypt(K2, NOW_IS_THE_TIME), tdesEcbEncrypt(k24, NOW_IS_THE_TIME));
  });
  test('K||K is single DES', () => {
    assert.deepEqual(
      tdesEcbEncrypt('0123456789ABCDEF0123456789ABCDEF', '4E6F772069732074'),
      hexToBytes('3FA40E8A984D4815'),
    );
  });
  test('CBC with an explicit IV round-trips', () => {
    const iv = '0102030405060708';
    assert.equal(
      bytesToHex(tdesCbcDecrypt(K2, tdesCbcEncrypt(K2, NOW_IS_THE_TIME, iv), iv)),
      NOW_IS_THE_TIME,
    );
  });
  test('empty data gives empty output', () => {
    assert.equal(tdesEcbEncrypt(K2, '').length, 0);
  });
});

describe('AES', () => {
  const PT = '00112233445566778899AABBCCDDEEFF';
  test('FIPS 197 C.1 / C.2 / C.3', () => {
    const k128 = '000102030405060708090A0B0C0D0E0F';
    const k192 = '000102030405060708090A0B0C0D0E0F1011121314151617';
    const k256 = '000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F';
    assert.equal(bytesToHex(aesEcbEncrypt(k128, PT)), '69C4E0D86A7B0430D8CDB78070B4C55A');
    assert.equal(bytesToHex(aesEcbEncrypt(k192, PT)), 'DDA97CA4864CDFE06EAF70A0EC0D7191');
    assert.equal(bytesToHex(aesEcbEncrypt(k256, PT)), '8EA2B7CA516745BFEAFC49904B496089');
    assert.equal(bytesToHex(aesEcbDecrypt(k256, '8EA2B7CA516745BFEAFC49904B496089')), PT);
  });
  test('SP 800-38A F.2.1 CBC-AES128', () => {
    const key = '2B7E151628AED2A6ABF7158809CF4F3C';
    const iv = '000102030405060708090A0B0C0D0E0F';
    const pt = '6BC1BEE22E409F96E93D7E117393172AAE2D8A571E03AC9C9EB76FAC45AF8E51';
    const ct = aesCbcEncrypt(key, pt, iv);
    assert.equal(bytesToHex(ct), '7649ABAC8119B246CEE98E9B12E9197D5086CB9B507219EE95DB113A917678B2');
    assert.equal(bytesToHex(aesCbcDecrypt(key, ct, iv)), pt);
  });
});
