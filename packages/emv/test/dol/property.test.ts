/**
 * Property tests for DOLs (fast-check): parseDol and splitDolData never throw anything but
 * EmvParseError with a DOL code; entries survive encode → parse; built data has the DOL's
 * length and splits back into exact-length values.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  buildDolData,
  type DolEntry,
  dolLength,
  encodeDol,
  parseDol,
  splitDolData,
} from '../../src/dol/index.js';
import { isConstructedTag } from '../../src/tlv/index.js';
import { DOL_CODES, fcOptions, mutate, mutationArb, onlyParseErrors, tagArb } from '../tlv/helpers.js';

const entryArb: fc.Arbitrary<DolEntry> = fc.record({
  tag: tagArb(),
  length: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 0xffff })),
});
const entriesArb = fc.array(entryArb, { maxLength: 12 }).map((es) => es.map((e) => ({ ...e })));

describe('DOL properties', () => {
  test('random bytes: parseDol returns or throws EmvParseError with a DOL code', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        onlyParseErrors(() => parseDol(bytes), DOL_CODES, bytes.length);
      }),
      fcOptions(1000),
    );
  });

  test('mutated DOLs: bit flips, truncations, garbage, spliced lengths', () => {
    fc.assert(
      fc.property(entriesArb, fc.array(mutationArb, { minLength: 1, maxLength: 4 }), (entries, muts) => {
        const bytes = mutate(encodeDol(entries), muts);
        onlyParseErrors(() => parseDol(bytes), DOL_CODES, bytes.length);
      }),
      fcOptions(1000),
    );
  });

  test('encode then parse returns the entries', () => {
    fc.assert(
      fc.property(entriesArb, (entries) => {
        assert.deepEqual(parseDol(encodeDol(entries)), entries);
      }),
      fcOptions(1000),
    );
  });

  test('splitDolData on arbitrary data: exact length splits, anything else is a DOL error', () => {
    const small = fc.array(
      fc.record({ tag: tagArb(), length: fc.integer({ min: 0, max: 16 }) }).map((e) => ({ ...e })),
      { maxLength: 8 },
    );
    fc.assert(
      fc.property(small, fc.uint8Array({ maxLength: 100 }), (entries, data) => {
        onlyParseErrors(() => splitDolData(entries, data), DOL_CODES, data.length);
        if (data.length === dolLength(entries)) splitDolData(entries, data);
      }),
      fcOptions(1000),
    );
  });

  test('buildDolData has the DOL length; exact-length primitives split back unchanged', () => {
    const small = fc.uniqueArray(
      fc.record({ tag: tagArb(), length: fc.integer({ min: 0, max: 16 }) }).map((e) => ({ ...e })),
      { maxLength: 8, selector: (e) => e.tag },
    );
    fc.assert(
      fc.property(small, fc.uint8Array({ maxLength: 400 }), (entries, pool) => {
        const values = new Map<string, Uint8Array>();
        let p = 0;
        for (const e of entries) {
          values.set(
            e.tag,
            Uint8Array.from({ length: e.length }, (_, i) => pool[(p + i) % (pool.length || 1)] ?? 1),
          );
          p += e.length;
        }
        const data = buildDolData(entries, values);
        assert.equal(data.length, dolLength(entries));
        const back = splitDolData(entries, data);
        for (const e of entries)
          assert.deepEqual(
            back.get(e.tag),
            isConstructedTag(e.tag) ? new Uint8Array(e.length) : values.get(e.tag),
          );
      }),
      fcOptions(500),
    );
  });
});
