/** Response APDUs and status words (ISO/IEC 7816-4 §5.1, §5.6; EMV Book 3 §6.3.5). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describeSw, encodeResponseApdu, isSwSuccess, parseResponseApdu, SW } from '../../src/apdu/index.js';
import { bytesToHex } from '../../src/codec/index.js';
import { EmvErrorCode as C } from '../../src/errors.js';
import { parseTlvSingle } from '../../src/tlv/index.js';
import { assertEmvError, assertParseError, h } from '../tlv/helpers.js';

describe('parseResponseApdu / encodeResponseApdu', () => {
  test('SELECT PPSE response: FCI and 9000', () => {
    const r = parseResponseApdu(
      h('6F23840E325041592E5359532E4444463031A511BF0C0E610C4F07A0000000031010870101 9000'),
    );
    assert.equal(r.sw, SW.SUCCESS);
    assert.equal(r.sw1, 0x90);
    assert.equal(r.sw2, 0x00);
    assert.equal(parseTlvSingle(r.data).tag, '6F');
  });

  test('status word only', () => {
    assert.deepEqual(parseResponseApdu(h('6A82')), {
      data: new Uint8Array(0),
      sw: 0x6a82,
      sw1: 0x6a,
      sw2: 0x82,
    });
    assert.equal(parseResponseApdu(h('6110')).sw2, 0x10);
  });

  test('encode', () => {
    assert.equal(
      bytesToHex(encodeResponseApdu(h('770E8202198094080801010010010101'), SW.SUCCESS)).slice(-4),
      '9000',
    );
    assert.equal(bytesToHex(encodeResponseApdu(new Uint8Array(0), SW.CONDITIONS_NOT_SATISFIED)), '6985');
  });

  test('errors', () => {
    assertParseError(() => parseResponseApdu(h('90')), C.APDU_TOO_SHORT, 1);
    assertParseError(() => parseResponseApdu(new Uint8Array(0)), C.APDU_TOO_SHORT, 0);
    assertEmvError(() => encodeResponseApdu(new Uint8Array(0), 0x10000), C.APDU_BAD_FIELD);
    assertEmvError(() => encodeResponseApdu(new Uint8Array(0), -1), C.APDU_BAD_FIELD);
    assertEmvError(() => encodeResponseApdu('9000' as unknown as Uint8Array, 0x9000), C.APDU_BAD_FIELD);
  });
});

describe('SW and describeSw', () => {
  test('named values', () => {
    const expect: Record<string, number> = {
      SUCCESS: 0x9000,
      BYTES_REMAINING: 0x6100,
      WRONG_LENGTH: 0x6700,
      SECURITY_STATUS_NOT_SATISFIED: 0x6982,
      CONDITIONS_NOT_SATISFIED: 0x6985,
      FILE_NOT_FOUND: 0x6a82,
      RECORD_NOT_FOUND: 0x6a83,
      INCORRECT_P1P2: 0x6a86,
      WRONG_P1P2: 0x6b00,
      INS_NOT_SUPPORTED: 0x6d00,
      CLA_NOT_SUPPORTED: 0x6e00,
      WRONG_DATA: 0x6a80,
      FUNCTION_NOT_SUPPORTED: 0x6a81,
      SELECTED_FILE_INVALIDATED: 0x6283,
      COMMAND_NOT_ALLOWED: 0x6986,
      REFERENCED_DATA_NOT_FOUND: 0x6a88,
      WRONG_LE: 0x6c00,
    };
    for (const [k, v] of Object.entries(expect)) assert.equal(SW[k as keyof typeof SW], v, k);
    assert.equal(new Set(Object.values(SW)).size, Object.keys(SW).length);
  });

  test('descriptions, including the families', () => {
    assert.equal(describeSw(0x9000), '9000 success');
    assert.equal(describeSw(0x6a82), '6A82 file or application not found');
    assert.equal(describeSw(0x6985), '6985 conditions of use not satisfied');
    assert.equal(describeSw(0x6110), '6110 16 more response bytes available');
    assert.equal(describeSw(0x6100), '6100 256 more response bytes available');
    assert.equal(describeSw(0x6c1d), '6C1D wrong Le, exact length is 29');
    assert.equal(describeSw(0x63c2), '63C2 verification failed, 2 tries left');
    assert.equal(describeSw(0x6999), '6999 error');
    assert.equal(describeSw(0x9100), '9100 proprietary or application-specific status');
    assert.equal(describeSw(0x1234), '1234 unknown status word');
    assert.equal(describeSw(0x10000), 'invalid status word 65536');
    for (const v of Object.values(SW)) assert.match(describeSw(v), /^[0-9A-F]{4} \S/);
  });

  test('isSwSuccess', () => {
    assert.equal(isSwSuccess(0x9000), true);
    assert.equal(isSwSuccess(0x6108), true);
    assert.equal(isSwSuccess(0x6283), false);
    assert.equal(isSwSuccess(0x6a82), false);
  });
});
