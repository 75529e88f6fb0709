// Key hygiene: functions never modify their inputs, always return fresh arrays, and zero the
// buffers that held key material. Zeroization is observed by spying on Uint8Array#fill(0) and
// recording what each buffer held just before it was wiped.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bytesToHex, hexToBytes } from '../../src/codec/index.js';
import {
  adjustOddParity,
  aesCmac,
  macIso9797Alg3,
  padIso9797M1,
  tdesEcbEncrypt,
} from '../../src/crypto/index.js';
import { generateArpcMethod1 } from '../../src/cryptogram/index.js';
import { issuerVerifyCryptogram, mastercardCvn20 } from '../../src/cvn/index.js';
import {
  deriveEmvCommonSessionKey,
  deriveIccMkOptionA,
  deriveMastercardSkd,
  mixMobilePin,
} from '../../src/keys/index.js';

/**
 * Runs `fn` and returns the hex of every Uint8Array (or Buffer: node:crypto hands back Buffers,
 * whose `fill` is Buffer's own) that was overwritten with zeros.
 */
function wipedDuring(fn: () => void): Set<string> {
  const wiped = new Set<string>();
  const protos = [Uint8Array.prototype, Buffer.prototype] as const;
  const originals = protos.map((p) => p.fill);
  protos.forEach((proto, i) => {
    const original = originals[i]!;
    proto.fill = function (this: Uint8Array, value: unknown, start?: unknown, end?: unknown) {
      if (value === 0 && start === undefined && end === undefined && this.length > 0)
        wiped.add(Buffer.from(this.buffer, this.byteOffset, this.byteLength).toString('hex').toUpperCase());
      return (original as (...a: unknown[]) => Uint8Array).call(this, value, start, end);
    } as typeof original;
  });
  try {
    fn();
  } finally {
    protos.forEach((proto, i) => {
      proto.fill = originals[i]! as typeof proto.fill;
    });
  }
  return wiped;
}

const KEY = 'AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBB';
const IMK = '0123456789ABCDEFFEDCBA9876543210';

describe('zeroization', () => {
  test('MAC algorithm 3 wipes its key copies and K_L (the final TDES block uses K itself)', () => {
    const wiped = wipedDuring(() => macIso9797Alg3(KEY, 'DEADBEEF00112233445566', 2));
    assert.ok(wiped.has(KEY), 'K copy');
    assert.ok(wiped.has('AAAAAAAAAAAAAAAA'), 'K_L');
    assert.ok(wiped.has('AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'), 'K_L ‖ K_L (single DES as EDE)');
  });
  test('Option A wipes the IMK copy and the un-adjusted Z_L ‖ Z_R that OpenSSL returned', () => {
    const zl = bytesToHex(tdesEcbEncrypt(IMK, '0123456789012345'));
    const zr = bytesToHex(tdesEcbEncrypt(IMK, 'FEDCBA9876FEDCBA'));
    const wiped = wipedDuring(() => deriveIccMkOptionA(IMK, '9901234567890123', '45'));
    assert.ok(wiped.has(IMK));
    assert.ok(wiped.has(zl + zr));
  });
  test('common session key wipes the MK copy and both halves', () => {
    const mk = '0123456789ABCDEFFEDCBA9876543210';
    const wiped = wipedDuring(() => deriveEmvCommonSessionKey(mk, '001C000000000000'));
    assert.ok(wiped.has(mk));
    assert.ok(wiped.has('E8FA394BF807B841FEDCEA603461B1C5'), 'un-adjusted SK_L ‖ SK_R');
  });
  test('AES-CMAC wipes the key copy and the subkeys', () => {
    const wiped = wipedDuring(() => aesCmac('2B7E151628AED2A6ABF7158809CF4F3C', ''));
    assert.ok(wiped.has('2B7E151628AED2A6ABF7158809CF4F3C'));
    assert.ok(wiped.has('FBEED618357133667C85E08F7236A8DE'), 'K1');
    assert.ok(wiped.has('F7DDAC306AE266CCF90BC11EE46D513B'), 'K2');
    assert.ok(wiped.has('7DF76B0C1AB899B33E42F047B91B546F'), 'L');
  });
  test('issuer verification wipes the ICC MK and the session key it derived', () => {
    const mk = deriveIccMkOptionA(IMK, '1234567890123456', '00');
    const sk = deriveEmvCommonSessionKey(mk, '001C000000000000');
    const wiped = wipedDuring(() =>
      issuerVerifyCryptogram(mastercardCvn20, {
        amountAuthorized: '000000009999',
        amountOther: '000000000000',
        terminalCountryCode: '0124',
        tvr: '8000000000',
        transactionCurrencyCode: '0124',
        transactionDate: '209906',
        transactionType: '00',
        unpredictableNumber: 'ABCDEF12',
        aip: '1800',
        atc: '001C',
        cvr: 'A00003220000',
        imkAc: IMK,
        pan: '1234567890123456',
        arqc: 'CD29615D6452E70E',
        arc: '0010',
      }),
    );
    assert.ok(wiped.has(bytesToHex(mk)), 'ICC MK');
    assert.ok(wiped.has(bytesToHex(sk)), 'session key');
  });
});

describe('inputs untouched, outputs fresh', () => {
  const cases: Array<[string, (k: Uint8Array) => Uint8Array]> = [
    ['tdesEcbEncrypt', (k) => tdesEcbEncrypt(k, new Uint8Array(8))],
    ['macIso9797Alg3', (k) => macIso9797Alg3(k, new Uint8Array(5), 2)],
    ['deriveIccMkOptionA', (k) => deriveIccMkOptionA(k, '1234567890123456', '00')],
    ['deriveEmvCommonSessionKey', (k) => deriveEmvCommonSessionKey(k, new Uint8Array(8))],
    ['deriveMastercardSkd', (k) => deriveMastercardSkd(k, '001C', 'ABCDEF12')],
    ['mixMobilePin', (k) => mixMobilePin(k, '1234')],
    ['adjustOddParity', (k) => adjustOddParity(k)],
    ['generateArpcMethod1', (k) => generateArpcMethod1(k, new Uint8Array(8), new Uint8Array(2))],
    ['padIso9797M1 (aligned)', (k) => padIso9797M1(k)],
  ];
  for (const [name, fn] of cases) {
    test(name, () => {
      const key = hexToBytes('E8FA394BF807B841FEDCEA603461B1C5');
      const before = bytesToHex(key);
      const a = fn(key);
      const b = fn(key);
      assert.equal(bytesToHex(key), before, 'input modified');
      assert.notEqual(a, key);
      assert.notEqual(a, b);
      assert.notEqual(a.buffer, key.buffer);
      assert.deepEqual(a, b);
    });
  }
});
