/** Every TLV error code, triggered by a crafted input, with the offset it must report. */
import { describe, test } from 'node:test';
import { EmvErrorCode as C } from '../../src/errors.js';
import { encodeTag, encodeTlv, parseTlv, parseTlvSingle, tlv } from '../../src/tlv/index.js';
import { assertEmvError, assertParseError, h } from './helpers.js';

describe('parseTlv errors and offsets', () => {
  test('ERR_TLV_TRUNCATED: tag, length or long-form length missing', () => {
    assertParseError(() => parseTlv(h('9F')), C.TLV_TRUNCATED, 1);
    assertParseError(() => parseTlv(h('DF81')), C.TLV_TRUNCATED, 2);
    assertParseError(() => parseTlv(h('9F26')), C.TLV_TRUNCATED, 2);
    assertParseError(() => parseTlv(h('5A0112 5A')), C.TLV_TRUNCATED, 4);
    assertParseError(() => parseTlv(h('5A8201')), C.TLV_TRUNCATED, 3);
    assertParseError(() => parseTlvSingle(new Uint8Array(0)), C.TLV_TRUNCATED, 0);
  });

  test('ERR_TLV_TRUNCATED: a tag may not run past the end of its template', () => {
    // 70 01 [9F] 26 00: the template ends after 9F even though the buffer goes on.
    assertParseError(() => parseTlv(h('70019F2600')), C.TLV_TRUNCATED, 3);
  });

  test('ERR_TLV_TAG_TOO_LONG: a fourth tag byte (offset of the tag)', () => {
    assertParseError(() => parseTlv(h('DF81818101')), C.TLV_TAG_TOO_LONG, 0);
    assertParseError(() => parseTlv(h('7006 DF8181810100')), C.TLV_TAG_TOO_LONG, 2);
  });

  test('ERR_TLV_INDEFINITE_LENGTH (offset of the length byte)', () => {
    assertParseError(() => parseTlv(h('70805A01120000')), C.TLV_INDEFINITE_LENGTH, 1);
    assertParseError(() => parseTlv(h('5A0112 9F3680')), C.TLV_INDEFINITE_LENGTH, 5);
  });

  test('ERR_TLV_LENGTH_TOO_LONG: 85 and above', () => {
    assertParseError(() => parseTlv(h('5A850000000001')), C.TLV_LENGTH_TOO_LONG, 1);
    assertParseError(() => parseTlv(h('9F10FF')), C.TLV_LENGTH_TOO_LONG, 2);
  });

  test('ERR_TLV_LENGTH_OVERRUN (offset of the length field)', () => {
    assertParseError(() => parseTlv(h('5A0512')), C.TLV_LENGTH_OVERRUN, 1);
    assertParseError(() => parseTlv(h('7004 83031234')), C.TLV_LENGTH_OVERRUN, 3);
    assertParseError(() => parseTlv(h('9F2684FFFFFFFF00')), C.TLV_LENGTH_OVERRUN, 2);
    // The child fits the buffer but not its template.
    assertParseError(() => parseTlv(h('7003 5A0212 34')), C.TLV_LENGTH_OVERRUN, 3);
  });

  test('ERR_TLV_TRAILING_DATA from parseTlvSingle (offset of the first extra byte)', () => {
    assertParseError(() => parseTlvSingle(h('5A0112 9F')), C.TLV_TRAILING_DATA, 3);
    assertParseError(() => parseTlvSingle(h('5A0112 00')), C.TLV_TRAILING_DATA, 3);
    assertParseError(() => parseTlvSingle(h('5A0112 00 01'), { allowPadding: true }), C.TLV_TRAILING_DATA, 4);
  });

  test('ERR_TLV_NESTING_TOO_DEEP (offset of the object that is too deep)', () => {
    assertParseError(() => parseTlv(h('7004 7002 5A00'), { maxDepth: 2 }), C.TLV_NESTING_TOO_DEEP, 4);
    // 17 nested templates break the default cap of 16 at the 17th.
    let bytes = h('7000');
    for (let i = 0; i < 16; i++) bytes = encodeTlv({ tag: '70', value: bytes });
    assertParseError(() => parseTlv(bytes), C.TLV_NESTING_TOO_DEEP, 32);
    parseTlv(bytes, { maxDepth: 17 });
  });

  test('ERR_TLV_BAD_TAG: 00/FF first byte without padding, zero first subsequent byte', () => {
    assertParseError(() => parseTlv(h('00')), C.TLV_BAD_TAG, 0);
    assertParseError(() => parseTlv(h('5A0112 FF')), C.TLV_BAD_TAG, 3);
    assertParseError(() => parseTlv(h('9F8001')), C.TLV_BAD_TAG, 1);
    assertParseError(() => parseTlv(h('5F0000')), C.TLV_BAD_TAG, 1);
    assertParseError(() => parseTlv(h('7003 5A0100 00')), C.TLV_BAD_TAG, 5);
  });

  test('misuse is an EmvError ERR_BAD_ARGUMENT, not a parse error', () => {
    assertEmvError(() => parseTlv(123 as unknown as Uint8Array), C.BAD_ARGUMENT);
    assertEmvError(() => parseTlv([0x5a, 0] as unknown as Uint8Array), C.BAD_ARGUMENT);
    assertEmvError(() => parseTlv(null as unknown as Uint8Array), C.BAD_ARGUMENT);
    assertEmvError(() => parseTlv(h('5A00'), { maxDepth: 0 }), C.BAD_ARGUMENT);
    assertEmvError(() => parseTlv(h('5A00'), { maxDepth: 1.5 }), C.BAD_ARGUMENT);
    assertEmvError(() => parseTlv(h('5A00'), { maxDepth: 100000 }), C.BAD_ARGUMENT);
    assertEmvError(() => parseTlv('5A0' as unknown as Uint8Array), C.HEX_ODD_LENGTH);
  });
});

describe('encoder misuse', () => {
  test('bad tags', () => {
    assertEmvError(() => encodeTag(''), C.TLV_BAD_TAG);
    assertEmvError(() => encodeTag('9F'), C.TLV_BAD_TAG);
    assertEmvError(() => encodeTag('5A01'), C.TLV_BAD_TAG);
    assertEmvError(() => encodeTag('00'), C.TLV_BAD_TAG);
    assertEmvError(() => encodeTag('9F80'), C.TLV_BAD_TAG);
    assertEmvError(() => encodeTag('DF818101'), C.TLV_TAG_TOO_LONG);
    assertEmvError(() => encodeTag('ZZ'), C.HEX_INVALID);
    assertEmvError(() => tlv('9G', '00'), C.HEX_INVALID);
  });

  test('children on a primitive tag', () => {
    assertEmvError(() => tlv('5A', [tlv('5A', '12')]), C.BAD_ARGUMENT);
    assertEmvError(() => encodeTlv({ tag: '9F26', children: [] }), C.BAD_ARGUMENT);
    assertEmvError(() => encodeTlv([null as unknown as { tag: string }]), C.BAD_ARGUMENT);
  });
});
