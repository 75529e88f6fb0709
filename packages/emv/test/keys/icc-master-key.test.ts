// EMV Book 2 Annex A1.4 ICC master key derivation: Option A and B walked step by step from the
// definitions, plus the pyemv/HSM values of emv-public.json, and input validation.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { bytesToHex, concatBytes, hexToBytes } from '../../src/codec/index.js';
import { adjustOddParity, keyCheckValue, tdesEcbEncrypt } from '../../src/crypto/index.js';
import {
  deriveIccMk,
  deriveIccMkOptionA,
  deriveIccMkOptionB,
  optionAInput,
  optionBInput,
} from '../../src/keys/index.js';

const IMK = '0123456789ABCDEFFEDCBA9876543210';

/** Book 2 A1.4.1 steps 2–3, written out in the test. */
function walkFromY(imk: string, y: string): string {
  const yl = hexToBytes(y); // 16 decimal digits read as 8 BCD bytes
  const yr = yl.map((b) => b ^ 0xff);
  const zl = tdesEcbEncrypt(imk, yl);
  const zr = tdesEcbEncrypt(imk, yr);
  return bytesToHex(adjustOddParity(concatBytes(zl, zr)));
}

describe('Option A', () => {
  test('hand-walked: PAN 9901234567890123, PSN 45', () => {
    // PAN || PSN = 990123456789012345 (18 digits); Y = rightmost 16 digits.
    const y = '0123456789012345';
    assert.equal(optionAInput('990123456789012345'), y);
    const expected = walkFromY(IMK, y);
    assert.equal(expected, 'F84315C7B95BD3B0C74694922C3808B0'); // vector udk-optA-9901234567890123-45
    assert.equal(bytesToHex(deriveIccMkOptionA(IMK, '9901234567890123', '45')), expected);
  });
  test('hand-walked: a 12-digit PAN is left-padded with zeros', () => {
    assert.equal(optionAInput('12345678901200'), '0012345678901200');
    assert.equal(
      bytesToHex(deriveIccMkOptionA(IMK, '123456789012', null)),
      walkFromY(IMK, '0012345678901200'),
    );
  });
  test('PSN absent means "00"', () => {
    assert.deepEqual(
      deriveIccMkOptionA(IMK, '1234567890123456'),
      deriveIccMkOptionA(IMK, '1234567890123456', '00'),
    );
    assert.deepEqual(
      deriveIccMkOptionA(IMK, '1234567890123456', null),
      hexToBytes('154F349D8585CB7F6B0798E9839B10C1'),
    );
  });
  test('pyemv HSM values (KCV)', () => {
    const mk = deriveIccMkOptionA(IMK, '12345678901234567', '45');
    assert.equal(bytesToHex(mk), '946DC1A8C78A624519BC4645CB073737');
    assert.equal(bytesToHex(keyCheckValue(mk, { length: 2 })), 'FF08');
    assert.equal(
      bytesToHex(deriveIccMkOptionA('FEDCBA98765432100123456789ABCDEF', '1234567890123456', '00')),
      '94F867167C64EF3EEAB0CB627A7A3480',
    );
  });
});

/** Book 2 A1.4.2 steps 1–3, written out in the test (independently of optionBInput). */
function walkOptionBY(pan: string, psn: string): string {
  const x = (pan + psn).length % 2 ? `0${pan}${psn}` : pan + psn;
  const h = createHash('sha1').update(Buffer.from(x, 'hex')).digest('hex').toUpperCase();
  const digits = [...h].filter((c) => /[0-9]/.test(c));
  const letters = [...h].filter((c) => /[A-F]/.test(c)).map((c) => String('ABCDEF'.indexOf(c)));
  return [...digits, ...letters].slice(0, 16).join('');
}

describe('Option B', () => {
  test('hand-walked: PAN 12345678901234567, PSN 01', () => {
    const y = walkOptionBY('12345678901234567', '01');
    assert.equal(optionBInput('12345678901234567', '01'), y);
    assert.equal(walkFromY(IMK, y), 'AD406D7F6D7570916D75E5DCAB8CF737');
    assert.equal(
      bytesToHex(deriveIccMkOptionB(IMK, '12345678901234567', '01')),
      'AD406D7F6D7570916D75E5DCAB8CF737',
    );
  });
  test('decimalisation falls back to letters A–F → 0–5 when SHA-1 has fewer than 16 digits', () => {
    // Find a PAN whose digest has < 16 decimal digits (about 1 in 500) and compare.
    let found = 0;
    for (let i = 0; i < 20000 && found < 2; i++) {
      const pan = `4${String(i).padStart(17, '0')}`;
      const h = createHash('sha1')
        .update(Buffer.from(`${pan}00`, 'hex'))
        .digest('hex');
      if ((h.match(/[0-9]/g) ?? []).length >= 16) continue;
      found++;
      const y = walkOptionBY(pan, '00');
      assert.match(y, /^[0-9]{16}$/);
      assert.equal(optionBInput(pan, '00'), y);
      assert.equal(bytesToHex(deriveIccMkOptionB(IMK, pan, '00')), walkFromY(IMK, y));
    }
    assert.ok(found > 0, 'no test PAN found');
  });
  test('PAN of 16 digits or fewer uses Option A', () => {
    assert.deepEqual(
      deriveIccMkOptionB(IMK, '1234567890123456', null),
      deriveIccMkOptionA(IMK, '1234567890123456'),
    );
  });
  test('odd-length PAN||PSN is left-padded (18-digit PAN + PSN = 20, 19-digit + PSN = 21 digits)', () => {
    assert.equal(
      bytesToHex(deriveIccMkOptionB(IMK, '000000000000000005', '23')),
      '2608BAA2378C92DAE0948A97E0CD230B',
    );
    assert.equal(
      walkFromY(IMK, walkOptionBY('1234567890123456789', '00')),
      bytesToHex(deriveIccMkOptionB(IMK, '1234567890123456789', '00')),
    );
  });
  test('deriveIccMk dispatches', () => {
    assert.deepEqual(
      deriveIccMk(IMK, '12345678901234567', '01', 'B'),
      deriveIccMkOptionB(IMK, '12345678901234567', '01'),
    );
    assert.deepEqual(
      deriveIccMk(IMK, '12345678901234567', '01', 'A'),
      deriveIccMkOptionA(IMK, '12345678901234567', '01'),
    );
    assert.throws(() => deriveIccMk(IMK, '12345678901234567', '01', 'C' as never), {
      code: 'ERR_BAD_ARGUMENT',
    });
  });
});

describe('bad input', () => {
  const derivations = [deriveIccMkOptionA, deriveIccMkOptionB];
  test('PANs: 11 and 20 digits, non-digits, non-strings → ERR_PAN_INVALID', () => {
    for (const f of derivations) {
      for (const pan of [
        '12345678901',
        '12345678901234567890',
        '1234567890123A56',
        '',
        ' 1234567890123456',
        1234567890123456,
      ])
        assert.throws(() => f(IMK, pan as string, '00'), { code: 'ERR_PAN_INVALID' });
    }
  });
  test('12 and 19 digits are accepted', () => {
    for (const f of derivations) {
      assert.equal(f(IMK, '123456789012', '00').length, 16);
      assert.equal(f(IMK, '1234567890123456789', '00').length, 16);
    }
  });
  test('PSN: not two digits → ERR_PSN_INVALID', () => {
    for (const psn of ['1', '123', 'AB', '', 1]) {
      assert.throws(() => deriveIccMkOptionA(IMK, '1234567890123456', psn as string), {
        code: 'ERR_PSN_INVALID',
      });
    }
  });
  test('IMK length, odd hex, non-hex', () => {
    assert.throws(() => deriveIccMkOptionA('0123456789ABCDEF', '1234567890123456'), {
      code: 'ERR_KEY_LENGTH',
    });
    assert.throws(() => deriveIccMkOptionA(`${IMK}0`, '1234567890123456'), { code: 'ERR_HEX_ODD_LENGTH' });
    assert.throws(() => deriveIccMkOptionA(IMK.replace('A', 'X'), '1234567890123456'), {
      code: 'ERR_HEX_INVALID',
    });
  });
});
