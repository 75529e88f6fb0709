/**
 * Property tests for APDUs (fast-check): random and damaged bytes only ever raise
 * EmvParseError with an APDU code; command APDUs of cases 1-4 and responses survive
 * encode → parse, with the right case.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  type CommandApdu,
  encodeCommandApdu,
  encodeResponseApdu,
  parseCommandApdu,
  parseResponseApdu,
} from '../../src/apdu/index.js';
import { APDU_CODES, fcOptions, mutate, mutationArb, onlyParseErrors } from '../tlv/helpers.js';

const byte = fc.integer({ min: 0, max: 255 });
const commandArb = fc
  .record({
    cla: fc.integer({ min: 0, max: 0xfe }),
    ins: byte.filter((i) => (i & 0xf0) !== 0x60 && (i & 0xf0) !== 0x90),
    p1: byte,
    p2: byte,
    data: fc.option(fc.uint8Array({ minLength: 1, maxLength: 255 }), { nil: undefined }),
    le: fc.option(fc.integer({ min: 1, max: 256 }), { nil: undefined }),
  })
  .map((r) => {
    const c: CommandApdu = { cla: r.cla, ins: r.ins, p1: r.p1, p2: r.p2 };
    if (r.data !== undefined) c.data = r.data;
    if (r.le !== undefined) c.le = r.le;
    return c;
  });

describe('APDU properties', () => {
  test('random bytes: parsers return or throw EmvParseError with an APDU code', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        onlyParseErrors(() => parseCommandApdu(bytes), APDU_CODES, bytes.length);
        onlyParseErrors(() => parseResponseApdu(bytes), APDU_CODES, bytes.length);
      }),
      fcOptions(1000),
    );
  });

  test('mutated command APDUs: bit flips, truncations, garbage, spliced lengths', () => {
    fc.assert(
      fc.property(commandArb, fc.array(mutationArb, { minLength: 1, maxLength: 4 }), (c, muts) => {
        const bytes = mutate(encodeCommandApdu(c), muts);
        onlyParseErrors(() => parseCommandApdu(bytes), APDU_CODES, bytes.length);
      }),
      fcOptions(1000),
    );
  });

  test('encode then parse returns the command, with its case', () => {
    fc.assert(
      fc.property(commandArb, (c) => {
        const parsed = parseCommandApdu(encodeCommandApdu(c));
        const expectedCase = (c.data ? 3 : 1) + (c.le !== undefined ? 1 : 0);
        const { case: got, ...rest } = parsed;
        assert.equal(got, expectedCase);
        assert.deepEqual(rest, { ...c });
      }),
      fcOptions(1000),
    );
  });

  test('encode then parse returns the response', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 258 }), fc.integer({ min: 0, max: 0xffff }), (data, sw) => {
        const r = parseResponseApdu(encodeResponseApdu(data, sw));
        assert.deepEqual(r, { data, sw, sw1: sw >> 8, sw2: sw & 0xff });
      }),
      fcOptions(1000),
    );
  });
});
