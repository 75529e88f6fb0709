// AES-CMAC: RFC 4493 §4 examples 1–4 and subkeys (§2.3), NIST SP 800-38B D.2/D.3 (AES-192/256).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bytesToHex } from '../../src/codec/index.js';
import { aesCmacSubkeys } from '../../src/crypto/cmac.js';
import { aesCmac } from '../../src/crypto/index.js';

const M =
  '6BC1BEE22E409F96E93D7E117393172AAE2D8A571E03AC9C9EB76FAC45AF8E51' +
  '30C81C46A35CE411E5FBC1191A0A52EFF69F2445DF4F9B17AD2B417BE66C3710';
const lengths = [0, 16, 40, 64];

describe('RFC 4493 AES-128', () => {
  const key = '2B7E151628AED2A6ABF7158809CF4F3C';
  test('subkeys K1, K2', () => {
    const { k1, k2 } = aesCmacSubkeys(key);
    assert.equal(bytesToHex(k1), 'FBEED618357133667C85E08F7236A8DE');
    assert.equal(bytesToHex(k2), 'F7DDAC306AE266CCF90BC11EE46D513B');
  });
  const expected = [
    'BB1D6929E95937287FA37D129B756746',
    '070A16B46B4D4144F79BDD9DD04A287C',
    'DFA66747DE9AE63030CA32611497C827',
    '51F0BEBF7E3B9D92FC49741779363CFE',
  ];
  lengths.forEach((n, i) => {
    test(`example ${i + 1}: ${n}-byte message`, () => {
      assert.equal(bytesToHex(aesCmac(key, M.slice(0, n * 2))), expected[i]);
    });
  });
});

describe('SP 800-38B AES-192 and AES-256', () => {
  const cases: Array<[string, string[]]> = [
    [
      '8E73B0F7DA0E6452C810F32B809079E562F8EAD2522C6B7B',
      [
        'D17DDF46ADAACDE531CAC483DE7A9367',
        '9E99A7BF31E710900662F65E617C5184',
        '8A1DE5BE2EB31AAD089A82E6EE908B0E',
        'A1D5DF0EED790F794D77589659F39A11',
      ],
    ],
    [
      '603DEB1015CA71BE2B73AEF0857D77811F352C073B6108D72D9810A30914DFF4',
      [
        '028962F61B7BF89EFC6B551F4667D983',
        '28A7023F452E8F82BD4BF28D8C37C35C',
        'AAF3D8F1DE5640C232F5B169B9C911E6',
        'E1992190549F6ED5696A2C056C315410',
      ],
    ],
  ];
  for (const [key, macs] of cases) {
    lengths.forEach((n, i) => {
      test(`AES-${key.length * 4} ${n}-byte message`, () => {
        assert.equal(bytesToHex(aesCmac(key, M.slice(0, n * 2))), macs[i]);
      });
    });
  }
  test('bad key length', () => {
    assert.throws(() => aesCmac('00'.repeat(15), ''), { code: 'ERR_KEY_LENGTH' });
    assert.throws(() => aesCmac('00'.repeat(20), ''), { code: 'ERR_KEY_LENGTH' });
  });
});
