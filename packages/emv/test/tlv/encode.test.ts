/** BER-TLV encoder: minimal lengths, tag checks, the tlv() builder (EMV Book 3 Annex B). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bytesToHex } from '../../src/codec/index.js';
import { EmvErrorCode as C } from '../../src/errors.js';
import { encodeLength, encodeTag, encodeTlv, parseTlv, parseTlvSingle, tlv } from '../../src/tlv/index.js';
import { assertEmvError, h } from './helpers.js';

describe('encodeLength', () => {
  test('shortest definite form at every boundary', () => {
    const cases: [number, string][] = [
      [0, '00'],
      [0x7f, '7F'],
      [0x80, '8180'],
      [0xff, '81FF'],
      [0x100, '820100'],
      [0xffff, '82FFFF'],
      [0x10000, '83010000'],
      [0xffffff, '83FFFFFF'],
      [0x1000000, '8401000000'],
      [0xffffffff, '84FFFFFFFF'],
    ];
    for (const [n, hex] of cases) assert.equal(bytesToHex(encodeLength(n)), hex, String(n));
  });

  test('rejects negative, fractional and too large lengths', () => {
    for (const n of [-1, 1.5, 2 ** 32, Number.NaN]) assertEmvError(() => encodeLength(n), C.BAD_ARGUMENT);
  });
});

describe('encodeTag', () => {
  test('one, two and three bytes, any case', () => {
    assert.equal(bytesToHex(encodeTag('5a')), '5A');
    assert.equal(bytesToHex(encodeTag('9F26')), '9F26');
    assert.equal(bytesToHex(encodeTag('df8117')), 'DF8117');
    assert.equal(bytesToHex(encodeTag('BF0C')), 'BF0C');
  });
});

describe('encodeTlv and tlv()', () => {
  test('rebuilds the SELECT PPSE FCI byte for byte', () => {
    const fci = tlv('6F', [
      tlv('84', new TextEncoder().encode('2PAY.SYS.DDF01')),
      tlv('A5', [tlv('BF0C', [tlv('61', [tlv('4F', 'A0000000031010'), tlv('87', '01')])])]),
    ]);
    assert.equal(
      bytesToHex(encodeTlv(fci)),
      '6F23840E325041592E5359532E4444463031A511BF0C0E610C4F07A0000000031010870101',
    );
  });

  test('long values get long-form lengths; parse reads them back', () => {
    const v128 = new Uint8Array(128).fill(0xab);
    const e128 = encodeTlv([tlv('90', v128)]);
    assert.equal(bytesToHex(e128.subarray(0, 3)), '908180');
    const v256 = new Uint8Array(256).fill(0x5a);
    const e256 = encodeTlv([tlv('9F46', v256)]);
    assert.equal(bytesToHex(e256.subarray(0, 5)), '9F46820100');
    assert.deepEqual(parseTlvSingle(e256).value, v256);
  });

  test('a parsed tree re-encodes to the same bytes; children win over value', () => {
    const bytes = h('770E8202198094080801010010010101');
    const nodes = parseTlv(bytes);
    assert.deepEqual(encodeTlv(nodes), bytes);
    const edited = { ...nodes[0]!, children: [nodes[0]!.children![0]!] };
    assert.equal(bytesToHex(encodeTlv(edited)), '770482021980');
  });

  test('raw value for a template, empty values, hex case', () => {
    assert.equal(bytesToHex(encodeTlv({ tag: '70', value: '5a0112' })), '70035A0112');
    assert.equal(bytesToHex(encodeTlv({ tag: '9f4e' })), '9F4E00');
    assert.equal(bytesToHex(encodeTlv([])), '');
    assert.equal(tlv('9f26', '00').tag, '9F26');
  });

  test('tlv() copies its value', () => {
    const v = h('1234');
    const node = tlv('5A', v);
    v.fill(0);
    assert.equal(bytesToHex(encodeTlv(node)), '5A021234');
  });
});
