// EMV Book 2 Annex A1.3 session keys (TDES and AES), Mastercard SKD, Visa SM, OpenVSE LUK.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bytesToHex, concatBytes, hexToBytes } from '../../src/codec/index.js';
import { adjustOddParity, aesEcbEncrypt, keyCheckValue, tdesEcbEncrypt } from '../../src/crypto/index.js';
import {
  decodeApiBcd,
  deriveEmvCommonSessionKey,
  deriveLuk,
  deriveMastercardSkd,
  deriveVisaSmSessionKey,
  encodeApiBcd,
  lukDiversifier,
} from '../../src/keys/index.js';

describe('EMV common session key (TDES)', () => {
  test('hand-walked: F1 = R with R[2]=F0, F2 = R with R[2]=0F', () => {
    const mk = '0123456789ABCDEFFEDCBA9876543210';
    const raw = concatBytes(tdesEcbEncrypt(mk, '001CF00000000000'), tdesEcbEncrypt(mk, '001C0F0000000000'));
    assert.equal(bytesToHex(raw), 'E8FA394BF807B841FEDCEA603461B1C5');
    assert.deepEqual(deriveEmvCommonSessionKey(mk, '001C000000000000', { parity: 'none' }), raw);
    assert.deepEqual(deriveEmvCommonSessionKey(mk, '001C000000000000', 'tdes', { parity: 'none' }), raw);
    assert.deepEqual(deriveEmvCommonSessionKey(mk, '001C000000000000'), adjustOddParity(raw));
    assert.equal(
      bytesToHex(deriveEmvCommonSessionKey(mk, '001C000000000000')),
      'E9FB384AF807B940FEDCEA613461B0C4',
    );
  });
  test('pyemv value with KCV', () => {
    const sk = deriveEmvCommonSessionKey('154F349D8585CB7F6B0798E9839B10C1', '001C000000000000');
    assert.equal(bytesToHex(sk), '436B942AD637E08564B532B0EC97CB26');
    assert.equal(bytesToHex(keyCheckValue(sk, { length: 2 })), '22C8');
  });
  test('errors', () => {
    assert.throws(() => deriveEmvCommonSessionKey('00'.repeat(24), '00'.repeat(8)), {
      code: 'ERR_KEY_LENGTH',
    });
    assert.throws(() => deriveEmvCommonSessionKey('00'.repeat(16), '00'.repeat(7)), {
      code: 'ERR_DATA_LENGTH',
    });
    assert.throws(() => deriveEmvCommonSessionKey('00'.repeat(16), '00'.repeat(8), 'rsa' as never), {
      code: 'ERR_BAD_ARGUMENT',
    });
  });
});

describe('EMV common session key (AES, docs/emv-cryptography.md §2.2)', () => {
  const r = '001C0000000000000000000000000000';
  test('16-byte MK: SK = AES(MK)[R]', () => {
    const mk = '2B7E151628AED2A6ABF7158809CF4F3C';
    assert.deepEqual(deriveEmvCommonSessionKey(mk, r, 'aes'), aesEcbEncrypt(mk, r));
  });
  test('32-byte MK: SK = AES(MK)[F1] || AES(MK)[F2]', () => {
    const mk = '603DEB1015CA71BE2B73AEF0857D77811F352C073B6108D72D9810A30914DFF4';
    const f1 = '001CF000000000000000000000000000';
    const f2 = '001C0F00000000000000000000000000';
    assert.deepEqual(
      deriveEmvCommonSessionKey(mk, r, 'aes'),
      concatBytes(aesEcbEncrypt(mk, f1), aesEcbEncrypt(mk, f2)),
    );
  });
  test('24-byte MK: leftmost 24 bytes', () => {
    const mk = '8E73B0F7DA0E6452C810F32B809079E562F8EAD2522C6B7B';
    const both = concatBytes(
      aesEcbEncrypt(mk, '001CF000000000000000000000000000'),
      aesEcbEncrypt(mk, '001C0F00000000000000000000000000'),
    );
    assert.deepEqual(deriveEmvCommonSessionKey(mk, r, 'aes'), both.slice(0, 24));
  });
  test('R must be 16 bytes', () => {
    assert.throws(() => deriveEmvCommonSessionKey('00'.repeat(16), '00'.repeat(8), 'aes'), {
      code: 'ERR_DATA_LENGTH',
    });
  });
});

describe('Mastercard SKD', () => {
  test('R = ATC || 0000 || UN (pyemv CVN 16)', () => {
    const mk = '154F349D8585CB7F6B0798E9839B10C1';
    const sk = deriveMastercardSkd(mk, '001C', 'ABCDEF12');
    assert.equal(bytesToHex(sk), '5D8F37BCD9E5DA68048CDFA2EA255D9E');
    assert.deepEqual(sk, deriveEmvCommonSessionKey(mk, '001C0000ABCDEF12'));
    assert.deepEqual(deriveMastercardSkd(mk, 0x1c, 'ABCDEF12'), sk);
    assert.equal(bytesToHex(keyCheckValue(sk)), '2FD528');
  });
  test('errors', () => {
    assert.throws(() => deriveMastercardSkd('00'.repeat(16), '1C', 'ABCDEF12'), { code: 'ERR_ATC_INVALID' });
    assert.throws(() => deriveMastercardSkd('00'.repeat(16), 70000, 'ABCDEF12'), { code: 'ERR_ATC_INVALID' });
    assert.throws(() => deriveMastercardSkd('00'.repeat(16), '001C', 'ABCDEF'), { code: 'ERR_BAD_ARGUMENT' });
  });
});

describe('Visa secure-messaging session key', () => {
  test('XOR of ATC and ATC^FFFF into the right of each half', () => {
    const sk = deriveVisaSmSessionKey('94F867167C64EF3EEAB0CB627A7A3480', '001C');
    assert.equal(bytesToHex(sk), '94F867167C64EF23EAB0CB627A7ACB62');
    assert.equal(bytesToHex(keyCheckValue(sk, { length: 2 })), 'DB10');
    assert.equal(
      bytesToHex(deriveVisaSmSessionKey('94F867167C64EF3EEAB0CB627A7A3480', '001C', { parity: 'none' })),
      '94F867167C64EF22EAB0CB627A7ACB63',
    );
  });
});

describe('OpenVSE LUK', () => {
  const mk = '154F349D8585CB7F6B0798E9839B10C1';
  test('R = 00000000 || BCD("0" || API)', () => {
    assert.equal(bytesToHex(lukDiversifier('6123405')), '0000000006123405');
    assert.deepEqual(deriveLuk(mk, '6123405'), deriveEmvCommonSessionKey(mk, '0000000006123405'));
  });
  test('API encoding round-trips and is validated', () => {
    assert.equal(bytesToHex(encodeApiBcd('6123405')), '06123405');
    assert.equal(decodeApiBcd(hexToBytes('06123405')), '6123405');
    for (const bad of ['612340', '61234050', '612340A', 6123405])
      assert.throws(() => encodeApiBcd(bad as string), { code: 'ERR_API_INVALID' });
    assert.throws(() => decodeApiBcd(hexToBytes('16123405')), { code: 'ERR_API_INVALID' });
  });
});
