/** DOL decoding and encoding (EMV Book 3 §5.4) with real PDOL/CDOL1 lists, and every error. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bytesToHex } from '../../src/codec/index.js';
import { dolLength, encodeDol, parseDol } from '../../src/dol/index.js';
import { EmvErrorCode as C } from '../../src/errors.js';
import { assertEmvError, assertParseError, h } from '../tlv/helpers.js';

const VISA_PDOL = '9F66049F02069F03069F1A0295055F2A029A039C019F3704';
const MC_CDOL1 = '9F02069F03069F1A0295055F2A029A039C019F37049F35019F45029F4C089F34039F21039F7C14';

describe('parseDol / encodeDol / dolLength', () => {
  test('Visa qVSDC PDOL: 9 entries, 33 bytes', () => {
    const entries = parseDol(h(VISA_PDOL));
    assert.deepEqual(entries, [
      { tag: '9F66', length: 4 },
      { tag: '9F02', length: 6 },
      { tag: '9F03', length: 6 },
      { tag: '9F1A', length: 2 },
      { tag: '95', length: 5 },
      { tag: '5F2A', length: 2 },
      { tag: '9A', length: 3 },
      { tag: '9C', length: 1 },
      { tag: '9F37', length: 4 },
    ]);
    assert.equal(dolLength(entries), 33);
    assert.equal(bytesToHex(encodeDol(entries)), VISA_PDOL);
  });

  test('Mastercard CDOL1: 14 entries, 66 bytes', () => {
    const entries = parseDol(h(MC_CDOL1));
    assert.equal(entries.length, 14);
    assert.deepEqual(entries.at(-1), { tag: '9F7C', length: 20 });
    assert.equal(dolLength(entries), 66);
    assert.equal(bytesToHex(encodeDol(entries)), MC_CDOL1);
  });

  test('long-form lengths and three-byte tags; encoder writes the shortest form', () => {
    assert.deepEqual(parseDol(h('9F4E8180')), [{ tag: '9F4E', length: 128 }]);
    assert.deepEqual(parseDol(h('9F4E820100 DF812901')), [
      { tag: '9F4E', length: 256 },
      { tag: 'DF8129', length: 1 },
    ]);
    assert.deepEqual(parseDol(h('9F668104')), [{ tag: '9F66', length: 4 }]);
    assert.equal(bytesToHex(encodeDol([{ tag: '9F4E', length: 128 }])), '9F4E8180');
    assert.equal(bytesToHex(encodeDol([{ tag: 'df8129', length: 0 }])), 'DF812900');
  });

  test('empty DOL', () => {
    assert.deepEqual(parseDol(new Uint8Array(0)), []);
    assert.equal(dolLength([]), 0);
    assert.equal(encodeDol([]).length, 0);
  });
});

describe('parseDol errors', () => {
  test('ERR_DOL_TRUNCATED (offset of the first missing byte)', () => {
    assertParseError(() => parseDol(h('9F')), C.DOL_TRUNCATED, 1);
    assertParseError(() => parseDol(h('9F6604 9F02')), C.DOL_TRUNCATED, 5);
    assertParseError(() => parseDol(h('9F6604 9F0281')), C.DOL_TRUNCATED, 6);
    assertParseError(() => parseDol(h('DF81')), C.DOL_TRUNCATED, 2);
  });

  test('ERR_DOL_BAD_ENTRY: malformed tags and length forms', () => {
    assertParseError(() => parseDol(h('00')), C.DOL_BAD_ENTRY, 0);
    assertParseError(() => parseDol(h('9F6604 FF04')), C.DOL_BAD_ENTRY, 3);
    assertParseError(() => parseDol(h('9F80 04')), C.DOL_BAD_ENTRY, 1);
    assertParseError(() => parseDol(h('DF81818101')), C.DOL_BAD_ENTRY, 0);
    assertParseError(() => parseDol(h('9F6680')), C.DOL_BAD_ENTRY, 2);
    assertParseError(() => parseDol(h('9F6683000004')), C.DOL_BAD_ENTRY, 2);
    assertParseError(() => parseDol(h('9F6685')), C.DOL_BAD_ENTRY, 2);
  });

  test('misuse', () => {
    assertEmvError(() => parseDol(42 as unknown as Uint8Array), C.BAD_ARGUMENT);
    assertEmvError(() => encodeDol([{ tag: '9F', length: 1 }]), C.DOL_BAD_ENTRY);
    assertEmvError(() => encodeDol([{ tag: '9F66', length: -1 }]), C.DOL_BAD_ENTRY);
    assertEmvError(() => encodeDol([{ tag: '9F66', length: 0x10000 }]), C.DOL_BAD_ENTRY);
    assertEmvError(() => dolLength([{ tag: '9F66', length: 1.5 }]), C.DOL_BAD_ENTRY);
  });
});
