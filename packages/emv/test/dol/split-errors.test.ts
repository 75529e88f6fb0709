/** splitDolData length checks: data must be exactly as long as the DOL asks. */
import { test } from 'node:test';
import { parseDol, splitDolData } from '../../src/dol/index.js';
import { EmvErrorCode as C } from '../../src/errors.js';
import { assertEmvError, assertParseError, h } from '../tlv/helpers.js';

const entries = parseDol(h('9F02069A039F3704'));

test('ERR_DOL_TRUNCATED: offset where the incomplete element starts', () => {
  assertParseError(() => splitDolData(entries, h('000000001250 2611')), C.DOL_TRUNCATED, 6);
  assertParseError(() => splitDolData(entries, new Uint8Array(0)), C.DOL_TRUNCATED, 0);
  assertParseError(() => splitDolData(entries, h('000000001250 261128 1A2B3C')), C.DOL_TRUNCATED, 9);
});

test('ERR_DOL_BAD_ENTRY: offset of the first byte beyond the DOL', () => {
  assertParseError(() => splitDolData(entries, h('000000001250 261128 1A2B3C4D 00')), C.DOL_BAD_ENTRY, 13);
  assertParseError(() => splitDolData([], h('00')), C.DOL_BAD_ENTRY, 0);
});

test('misuse', () => {
  assertEmvError(() => splitDolData(entries, null as unknown as Uint8Array), C.BAD_ARGUMENT);
  assertEmvError(() => splitDolData([{ tag: 'XYZ', length: 1 }], h('00')), C.DOL_BAD_ENTRY);
});
