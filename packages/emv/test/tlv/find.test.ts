/** Searching decoded trees: findTag, findTagPath, findAllTags, tlvToMap. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bytesToHex } from '../../src/codec/index.js';
import { findAllTags, findTag, findTagPath, parseTlv, tlvToMap } from '../../src/tlv/index.js';
import { h } from './helpers.js';

// PPSE FCI listing two applications (Visa, then Mastercard) in BF0C.
const PPSE = parseTlv(
  h(
    '6F43 840E325041592E5359532E4444463031 A531 BF0C2E' +
      ' 6112 4F07A0000000031010 500456495341 870101' +
      ' 6118 4F07A0000000041010 500A4D415354455243415244 870102',
  ),
);

describe('findTag / findTagPath / findAllTags', () => {
  test('findTag is depth-first and returns the first match in byte order', () => {
    assert.equal(bytesToHex(findTag(PPSE, '4F')!.value), 'A0000000031010');
    assert.equal(bytesToHex(findTag(PPSE, '87')!.value), '01');
    assert.equal(findTag(PPSE, 'bf0c')!.tag, 'BF0C');
    assert.equal(findTag(PPSE, '9F26'), undefined);
    assert.equal(findTag([], '4F'), undefined);
  });

  test('findTagPath walks direct children only', () => {
    const bf0c = findTagPath(PPSE, ['6F', 'A5', 'BF0C']);
    assert.equal(bf0c?.children?.length, 2);
    assert.equal(bytesToHex(findTagPath(PPSE, ['6F', '84'])!.value), '325041592E5359532E4444463031');
    assert.equal(bytesToHex(findTagPath(PPSE, ['6F', 'A5', 'BF0C', '61', '4F'])!.value), 'A0000000031010');
    // '4F' is not a direct child of '6F', so the path fails even though findTag finds it.
    assert.equal(findTagPath(PPSE, ['6F', '4F']), undefined);
    assert.equal(findTagPath(PPSE, ['A5']), undefined);
    assert.equal(findTagPath(PPSE, ['6F', '84', '4F']), undefined);
    assert.equal(findTagPath(PPSE, []), undefined);
  });

  test('findAllTags lists every directory entry', () => {
    const apps = findAllTags(PPSE, '61');
    assert.equal(apps.length, 2);
    assert.deepEqual(
      findAllTags(PPSE, '4F').map((n) => bytesToHex(n.value)),
      ['A0000000031010', 'A0000000041010'],
    );
    assert.deepEqual(
      findAllTags(PPSE, '50').map((n) => new TextDecoder().decode(n.value)),
      ['VISA', 'MASTERCARD'],
    );
    assert.deepEqual(findAllTags(PPSE, '9F38'), []);
  });
});

describe('tlvToMap', () => {
  test('flattens primitives, first occurrence wins, templates are left out', () => {
    const m = tlvToMap(PPSE);
    assert.deepEqual([...m.keys()], ['84', '4F', '50', '87']);
    assert.equal(bytesToHex(m.get('4F')!), 'A0000000031010');
    assert.equal(m.has('61'), false);
  });

  test('a GPO response becomes the tag → value map a terminal works from', () => {
    const m = tlvToMap(parseTlv(h('770E8202198094080801010010010101')));
    assert.equal(bytesToHex(m.get('82')!), '1980');
    assert.equal(bytesToHex(m.get('94')!), '0801010010010101');
  });
});
