/**
 * Building DOL data (EMV Book 3 §5.4): numeric data is right-justified (left-padded with 00,
 * truncated on the left), cn is left-justified and padded with FF, everything else is
 * left-justified, padded with 00 and truncated on the right; missing and constructed tags are
 * zero-filled.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bytesToHex } from '../../src/codec/index.js';
import { buildDolData, type DolEntry, fitDolValue, parseDol, splitDolData } from '../../src/dol/index.js';
import { EmvErrorCode as C } from '../../src/errors.js';
import { tagInfo } from '../../src/tlv/index.js';
import { assertEmvError, h } from '../tlv/helpers.js';

const one = (tag: string, length: number, value?: string, opts?: Parameters<typeof buildDolData>[2]) =>
  bytesToHex(buildDolData([{ tag, length }], new Map(value === undefined ? [] : [[tag, h(value)]]), opts));

describe('buildDolData', () => {
  test('Visa PDOL data from terminal values (33 bytes, in DOL order)', () => {
    const terminal = new Map<string, Uint8Array>([
      ['9F66', h('36004000')],
      ['9F02', h('000000001250')],
      ['9F03', h('000000000000')],
      ['9F1A', h('0826')],
      ['95', h('0000000000')],
      ['5F2A', h('0826')],
      ['9A', h('261128')],
      ['9C', h('00')],
      ['9F37', h('1A2B3C4D')],
    ]);
    const entries = parseDol(h('9F66049F02069F03069F1A0295055F2A029A039C019F3704'));
    const data = buildDolData(entries, terminal);
    assert.equal(data.length, 33);
    assert.equal(
      bytesToHex(data),
      '36004000' +
        '000000001250' +
        '000000000000' +
        '0826' +
        '0000000000' +
        '0826' +
        '261128' +
        '00' +
        '1A2B3C4D',
    );
  });

  test("'n' shorter: left-padded with 00", () => {
    assert.equal(one('9F02', 6, '1250'), '000000001250');
    assert.equal(one('9A', 3, '28'), '000028');
  });

  test("'n' longer: rightmost bytes kept (truncated on the left)", () => {
    assert.equal(one('9F02', 6, '99000000001250'), '000000001250');
    assert.equal(one('5F2A', 1, '0978'), '78');
  });

  test("'cn' shorter: right-padded with FF; longer: leftmost bytes kept", () => {
    assert.equal(one('5A', 10, '5413330089010434'), '5413330089010434FFFF');
    assert.equal(one('5A', 4, '5413330089010434'), '54133300');
  });

  test("'b', 'an', 'ans', 'var': right-padded with 00, truncated on the right", () => {
    assert.equal(one('9F37', 4, '1A2B'), '1A2B0000');
    assert.equal(one('9F37', 2, '1A2B3C4D'), '1A2B');
    assert.equal(one('9F1E', 8, '3132'), '3132000000000000');
    assert.equal(one('9F4E', 3, '41424344'), '414243');
    assert.equal(one('94', 6, '08010100'), '080101000000');
  });

  test('exact length is copied; unknown tags count as binary', () => {
    assert.equal(one('9F66', 4, '36004000'), '36004000');
    assert.equal(one('DF7F', 4, '12'), '12000000');
    assert.equal(one('DF7F', 1, '1234'), '12');
  });

  test('missing data: zeros of the entry length', () => {
    assert.equal(one('9F02', 6), '000000000000');
    assert.equal(one('5A', 3), '000000');
    assert.equal(bytesToHex(buildDolData([{ tag: '9F37', length: 4 }], () => undefined)), '00000000');
  });

  test('constructed tags are zero-filled even when the source has them', () => {
    assert.equal(one('70', 4, '5A021234'), '00000000');
    assert.equal(one('BF0C', 2, 'FFFF'), '0000');
  });

  test('formatOf overrides the dictionary (e.g. Kernel 2 meanings)', () => {
    assert.equal(one('DF7F', 4, '12', { formatOf: () => 'n' }), '00000012');
    assert.equal(one('9F02', 4, '12', { formatOf: () => undefined }), '00000012');
    // 9F6B is numeric (Card CVM Limit) in Kernel 3 but binary (Track 2 Data) in Kernel 2.
    assert.equal(one('9F6B', 4, '1234'), '00001234');
    assert.equal(one('9F6B', 4, '1234', { formatOf: (t) => tagInfo(t, { kernel: 2 })?.format }), '12340000');
  });

  test('function sources see uppercase tags; zero-length entries add nothing', () => {
    const seen: string[] = [];
    const data = buildDolData(
      [
        { tag: '9f37', length: 2 },
        { tag: '9C', length: 0 },
      ],
      (tag) => {
        seen.push(tag);
        return h('ABCD');
      },
    );
    assert.deepEqual(seen, ['9F37', '9C']);
    assert.equal(bytesToHex(data), 'ABCD');
  });

  test('misuse', () => {
    const e: DolEntry[] = [{ tag: '9F37', length: 4 }];
    assertEmvError(() => buildDolData(e, {} as unknown as Map<string, Uint8Array>), C.BAD_ARGUMENT);
    assertEmvError(() => buildDolData(e, () => '1234' as unknown as Uint8Array), C.BAD_ARGUMENT);
    assertEmvError(() => buildDolData([{ tag: '9F37', length: -4 }], new Map()), C.DOL_BAD_ENTRY);
  });

  test('fitDolValue does not touch its input', () => {
    const v = h('1250');
    fitDolValue(v, 6, 'n').fill(0xee);
    assert.equal(bytesToHex(v), '1250');
  });
});

describe('splitDolData', () => {
  const entries = parseDol(h('9F66049F02069F03069F1A0295055F2A029A039C019F3704'));
  const data = h('36004000 000000001250 000000000000 0826 0000000000 0826 261128 00 1A2B3C4D');

  test('card side: PDOL data from GPO back into elements', () => {
    const m = splitDolData(entries, data);
    assert.equal(m.size, 9);
    assert.equal(bytesToHex(m.get('9F02')!), '000000001250');
    assert.equal(bytesToHex(m.get('9F37')!), '1A2B3C4D');
    assert.deepEqual(buildDolData(entries, m), data);
  });

  test('first occurrence of a repeated tag wins; empty DOL and data', () => {
    const m = splitDolData(
      [
        { tag: '9F37', length: 1 },
        { tag: '9f37', length: 1 },
      ],
      h('0102'),
    );
    assert.equal(bytesToHex(m.get('9F37')!), '01');
    assert.equal(splitDolData([], new Uint8Array(0)).size, 0);
  });
});
