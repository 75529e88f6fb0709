/** The tag dictionary (Book 3 Annex A, Books C-2/C-3) and the readable trace built from it. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describeTlv, EMV_TAGS, parseTlv, tagInfo } from '../../src/tlv/index.js';
import { h } from './helpers.js';

const REQUIRED = (
  '4F 50 57 5A 5F20 5F24 5F25 5F28 5F2A 5F34 61 6F 70 77 80 82 84 87 8C 8D 8E 91 94 95 9A 9C ' +
  '9F02 9F03 9F06 9F07 9F08 9F09 9F0D 9F0E 9F0F 9F10 9F12 9F1A 9F1E 9F21 9F26 9F27 9F33 9F34 9F35 ' +
  '9F36 9F37 9F38 9F39 9F40 9F4E 9F53 9F5D 9F66 9F69 9F6B 9F6C 9F6D 9F6E 9F7C A5 BF0C'
).split(' ');
const KERNEL2_CONFIG = Array.from(
  { length: 0x2d - 0x17 + 1 },
  (_, i) => `DF81${(0x17 + i).toString(16).toUpperCase()}`,
);

describe('tag dictionary', () => {
  test('knows every tag the contactless flows use, with a consistent entry', () => {
    for (const tag of [...REQUIRED, ...KERNEL2_CONFIG]) {
      const info = tagInfo(tag);
      assert.ok(info, `missing ${tag}`);
      assert.equal(info.tag, tag);
      assert.ok(info.name.length > 0);
      assert.ok(['n', 'an', 'ans', 'b', 'cn', 'var'].includes(info.format), tag);
      assert.ok(['card', 'terminal', 'issuer'].includes(info.source), tag);
      assert.equal(info.constructed, (Number.parseInt(tag.slice(0, 2), 16) & 0x20) !== 0, tag);
      if (typeof info.length === 'number') assert.ok(info.length > 0, tag);
      else assert.ok(info.length.min <= info.length.max, tag);
    }
  });

  test('every entry is well-formed', () => {
    for (const [tag, info] of EMV_TAGS) {
      assert.equal(tag, info.tag);
      assert.match(tag, /^[0-9A-F]{2,6}$/);
      assert.ok(Object.isFrozen(info));
    }
  });

  test('formats and lengths of data elements the DOL rules depend on', () => {
    const expect: [string, string, number | { min: number; max: number }, string][] = [
      ['9F02', 'n', 6, 'terminal'],
      ['9F03', 'n', 6, 'terminal'],
      ['9A', 'n', 3, 'terminal'],
      ['9C', 'n', 1, 'terminal'],
      ['5F2A', 'n', 2, 'terminal'],
      ['9F1A', 'n', 2, 'terminal'],
      ['5A', 'cn', { min: 0, max: 10 }, 'card'],
      ['95', 'b', 5, 'terminal'],
      ['9F37', 'b', 4, 'terminal'],
      ['9F66', 'b', 4, 'terminal'],
      ['9F26', 'b', 8, 'card'],
      ['9F36', 'b', 2, 'card'],
      ['50', 'ans', { min: 1, max: 16 }, 'card'],
      ['9F1E', 'an', 8, 'terminal'],
      ['91', 'b', { min: 8, max: 16 }, 'issuer'],
      ['77', 'var', { min: 0, max: 252 }, 'card'],
      ['DF8124', 'n', 6, 'terminal'],
    ];
    for (const [tag, format, length, source] of expect) {
      const i = tagInfo(tag)!;
      assert.deepEqual([i.format, i.length, i.source], [format, length, source], tag);
    }
  });

  test('kernel-specific tags: Kernel 3 by default, Kernel 2 on request', () => {
    assert.equal(tagInfo('9F66')!.name, 'Terminal Transaction Qualifiers (TTQ)');
    assert.equal(tagInfo('9F66')!.kernel, 3);
    assert.equal(tagInfo('9F66', { kernel: 2 })!.name, 'PUNATC (Track2)');
    assert.equal(tagInfo('9F6C')!.name, 'Card Transaction Qualifiers (CTQ)');
    assert.equal(tagInfo('9F69', { kernel: 2 })!.name, 'UDOL');
    assert.equal(tagInfo('9F6B')!.format, 'n');
    assert.equal(tagInfo('9F6B', { kernel: 2 })!.format, 'b');
    assert.equal(tagInfo('9F02', { kernel: 2 })!.format, 'n');
    assert.equal(tagInfo('9F02', { kernel: 3 })!.kernel, undefined);
  });

  test('lower case look-up; unknown tags', () => {
    assert.equal(tagInfo('9f26')!.name, 'Application Cryptogram');
    assert.equal(tagInfo('DF7F'), undefined);
  });
});

describe('describeTlv', () => {
  test('SELECT AID response trace: names, lengths, nesting, text for an/ans', () => {
    const nodes = parseTlv(
      h('6F22 8407A0000000031010 A517 500456495341 870101 9F38069F02069F3704 5F2D02656E'),
    );
    assert.equal(
      describeTlv(nodes),
      [
        '6F File Control Information (FCI) Template (34)',
        '  84 Dedicated File (DF) Name (7): A0000000031010',
        '  A5 FCI Proprietary Template (23)',
        '    50 Application Label (4): 56495341 "VISA"',
        '    87 Application Priority Indicator (1): 01',
        '    9F38 Processing Options Data Object List (PDOL) (6): 9F02069F3704',
        '    5F2D Language Preference (2): 656E "en"',
      ].join('\n'),
    );
  });

  test('indent, unknown tags, empty values, unprintable text, bytes input', () => {
    const bytes = h('DF7F021234 9F4E00 50024101');
    assert.equal(
      describeTlv(bytes, 4),
      [
        '    DF7F Unknown tag (2): 1234',
        '    9F4E Merchant Name and Location (0) ""',
        '    50 Application Label (2): 4101 "A."',
      ].join('\n'),
    );
    assert.equal(describeTlv([]), '');
  });

  test('Kernel 2 names on request', () => {
    assert.equal(describeTlv(h('9F6C020001'), 0, { kernel: 2 }).startsWith('9F6C Mag-stripe'), true);
  });
});
