/** Known-answer tests for the BER-TLV parser on real contactless data (EMV Book 3 Annex B). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bytesToHex } from '../../src/codec/index.js';
import { findTag, parseTlv, parseTlvSingle, type TlvNode } from '../../src/tlv/index.js';
import { h } from './helpers.js';

const hex = (n: TlvNode | undefined) => (n ? bytesToHex(n.value) : undefined);

describe('parseTlv: known contactless answers', () => {
  test('SELECT PPSE FCI', () => {
    const bytes = h('6F23840E325041592E5359532E4444463031A511BF0C0E610C4F07A0000000031010870101');
    const [fci, ...rest] = parseTlv(bytes);
    assert.equal(rest.length, 0);
    assert.ok(fci);
    assert.equal(fci.tag, '6F');
    assert.equal(fci.constructed, true);
    assert.equal(fci.offset, 0);
    assert.equal(fci.headerLength, 2);
    assert.equal(fci.value.length, 0x23);
    const [df, a5] = fci.children!;
    assert.equal(df!.tag, '84');
    assert.equal(df!.constructed, false);
    assert.equal(df!.children, undefined);
    assert.equal(new TextDecoder().decode(df!.value), '2PAY.SYS.DDF01');
    assert.equal(a5!.tag, 'A5');
    assert.equal(a5!.offset, 18);
    const bf0c = a5!.children![0]!;
    assert.equal(bf0c.tag, 'BF0C');
    assert.equal(bf0c.headerLength, 3);
    assert.equal(bf0c.offset, 20);
    const app = bf0c.children![0]!;
    assert.equal(app.tag, '61');
    assert.deepEqual(
      app.children!.map((c) => [c.tag, bytesToHex(c.value), c.offset]),
      [
        ['4F', 'A0000000031010', 25],
        ['87', '01', 34],
      ],
    );
  });

  test('SELECT AID FCI with PDOL and language preference', () => {
    const bytes = h(
      '6F34 8407A0000000031010 A529 500456495341 870101' +
        ' 9F3818 9F66049F02069F03069F1A0295055F2A029A039C019F3704 5F2D02656E',
    );
    const fci = parseTlvSingle(bytes);
    assert.equal(hex(findTag([fci], '84')), 'A0000000031010');
    assert.equal(new TextDecoder().decode(findTag([fci], '50')!.value), 'VISA');
    assert.equal(hex(findTag([fci], '9F38')), '9F66049F02069F03069F1A0295055F2A029A039C019F3704');
    assert.equal(findTag([fci], '9F38')!.headerLength, 3);
    assert.equal(hex(findTag([fci], '5F2D')), '656E');
  });

  test('GPO response, format 2 (77: AIP + AFL, Kernel 2)', () => {
    const [r] = parseTlv(h('770E8202198094080801010010010101'));
    assert.equal(r!.tag, '77');
    assert.deepEqual(
      r!.children!.map((c) => [c.tag, bytesToHex(c.value)]),
      [
        ['82', '1980'],
        ['94', '0801010010010101'],
      ],
    );
  });

  test('GPO response, format 1 (80 is primitive)', () => {
    const r = parseTlvSingle(h('800A19800801010010010101'));
    assert.equal(r.tag, '80');
    assert.equal(r.constructed, false);
    assert.equal(bytesToHex(r.value), '19800801010010010101');
  });

  test('qVSDC GPO response with cryptogram (Kernel 3)', () => {
    const bytes = h(
      '7744 82022000 57104761739001010119D22122010000000F 5F340100 9F100706011203A00000' +
        ' 9F26081122334455667788 9F270180 9F36020001 9F6C023000 9F6E0420700000',
    );
    const nodes = parseTlv(bytes);
    assert.equal(nodes.length, 1);
    const kids = nodes[0]!.children!;
    assert.deepEqual(
      kids.map((c) => c.tag),
      ['82', '57', '5F34', '9F10', '9F26', '9F27', '9F36', '9F6C', '9F6E'],
    );
    assert.equal(hex(findTag(nodes, '9F26')), '1122334455667788');
    assert.equal(hex(findTag(nodes, '9f27')), '80');
    // Offsets and header lengths locate each value inside the original buffer.
    for (const c of kids)
      assert.deepEqual(
        bytes.subarray(c.offset + c.headerLength, c.offset + c.headerLength + c.value.length),
        c.value,
      );
  });

  test('READ RECORD template with several records back to back', () => {
    const nodes = parseTlv(h('70055A03123456 7006 5F2403251231'));
    assert.deepEqual(
      nodes.map((n) => [n.tag, n.offset, n.children!.map((c) => c.tag)]),
      [
        ['70', 0, ['5A']],
        ['70', 7, ['5F24']],
      ],
    );
  });
});

describe('parseTlv: lengths and tags', () => {
  test("long form '81 80' (128 bytes)", () => {
    const value = 'AB'.repeat(128);
    const n = parseTlvSingle(h(`908180${value}`));
    assert.equal(n.value.length, 128);
    assert.equal(n.headerLength, 3);
    assert.equal(bytesToHex(n.value), value);
  });

  test("long form '82 01 00' (256 bytes) inside a template with '81' length", () => {
    const inner = `9F468201 00${'5A'.repeat(256)}`;
    const n = parseTlvSingle(h(`70820105${inner}`));
    assert.equal(n.headerLength, 4);
    const c = n.children![0]!;
    assert.equal(c.tag, '9F46');
    assert.equal(c.headerLength, 5);
    assert.equal(c.offset, 4);
    assert.equal(c.value.length, 256);
  });

  test("long forms '83' and '84' decode; non-minimal forms are accepted", () => {
    assert.equal(parseTlvSingle(h('5A830000021234')).value.length, 2);
    assert.equal(parseTlvSingle(h('5A8400000001AA')).value.length, 1);
    const n = parseTlvSingle(h('5A810212 34'));
    assert.equal(n.headerLength, 3);
    assert.equal(bytesToHex(n.value), '1234');
  });

  test('one-, two- and three-byte tags', () => {
    const nodes = parseTlv(h('5A0101 9F360200FF DF81170100 BF0C00 DF812D03000300'));
    assert.deepEqual(
      nodes.map((n) => [n.tag, n.headerLength, n.constructed]),
      [
        ['5A', 2, false],
        ['9F36', 3, false],
        ['DF8117', 4, false],
        ['BF0C', 3, true],
        ['DF812D', 4, false],
      ],
    );
    assert.deepEqual(nodes[3]!.children, []);
  });

  test('zero-length primitive and empty input', () => {
    assert.deepEqual(parseTlv(new Uint8Array(0)), []);
    const n = parseTlvSingle(h('9F4E00'));
    assert.equal(n.value.length, 0);
  });

  test('padding 00/FF is skipped only with allowPadding, at every level', () => {
    const bytes = h('00 FF 7006 00 5A0112 FF 00 00 9F360201 02 FF');
    const nodes = parseTlv(bytes, { allowPadding: true });
    assert.deepEqual(
      nodes.map((n) => n.tag),
      ['70', '9F36'],
    );
    assert.equal(nodes[0]!.offset, 2);
    assert.deepEqual(
      nodes[0]!.children!.map((c) => [c.tag, c.offset]),
      [['5A', 5]],
    );
    assert.throws(() => parseTlv(bytes), { code: 'ERR_TLV_BAD_TAG' });
    assert.equal(parseTlvSingle(h('00 5A0112 FFFF'), { allowPadding: true }).tag, '5A');
  });

  test('values are copies of the input', () => {
    const bytes = h('5A021234');
    const [n] = parseTlv(bytes);
    bytes.fill(0);
    assert.equal(bytesToHex(n!.value), '1234');
  });

  test('accepts a Buffer and a hex string', () => {
    assert.equal(parseTlv(Buffer.from('5A0112', 'hex'))[0]!.tag, '5A');
    assert.equal(parseTlv('5a0112' as unknown as Uint8Array)[0]!.tag, '5A');
  });

  test('maxDepth bounds nesting; depth 1 is the top level', () => {
    const nested = h('7004 7002 5A00');
    assert.equal(parseTlv(nested, { maxDepth: 3 }).length, 1);
    assert.throws(() => parseTlv(nested, { maxDepth: 2 }), { code: 'ERR_TLV_NESTING_TOO_DEEP' });
    assert.equal(parseTlv(h('7000 5A00'), { maxDepth: 1 }).length, 2);
  });
});
