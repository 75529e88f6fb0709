/**
 * Property tests for the BER-TLV parser and encoder (fast-check):
 * random bytes and damaged encodings only ever raise EmvParseError with a TLV code and an
 * in-range offset; arbitrary trees survive encode → parse unchanged.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { encodeTlv, parseTlv, parseTlvSingle, type TlvInput, type TlvNode } from '../../src/tlv/index.js';
import { fcOptions, mutate, mutationArb, onlyParseErrors, TLV_CODES, tagArb } from './helpers.js';

type Tree = { tag: string; value?: Uint8Array; children?: Tree[] };

const treeArb = fc.letrec<{ node: Tree; list: Tree[] }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({
      tag: tagArb(false),
      value: fc.oneof(
        fc.uint8Array({ maxLength: 40 }),
        fc.uint8Array({ minLength: 120, maxLength: 300 }), // long-form lengths
      ),
    }),
    fc.record({ tag: tagArb(true), children: tie('list') as fc.Arbitrary<Tree[]> }),
  ),
  list: fc.array(tie('node') as fc.Arbitrary<Tree>, { maxLength: 4 }),
})).list;

/** The parser's view reduced to what the encoder was given. */
function strip(nodes: readonly TlvNode[]): Tree[] {
  return nodes.map((n) =>
    n.constructed ? { tag: n.tag, children: strip(n.children!) } : { tag: n.tag, value: n.value },
  );
}

/** fast-check records have a null prototype; rebuild them as plain objects for deepEqual. */
function plain(trees: readonly Tree[]): Tree[] {
  return trees.map((t) =>
    t.children ? { tag: t.tag, children: plain(t.children) } : { tag: t.tag, value: t.value! },
  );
}

function checkLocations(bytes: Uint8Array, nodes: readonly TlvNode[]): void {
  for (const n of nodes) {
    const start = n.offset + n.headerLength;
    assert.deepEqual(bytes.subarray(start, start + n.value.length), n.value);
    if (n.children) checkLocations(bytes, n.children);
  }
}

const optionsArb = fc.record({
  allowPadding: fc.boolean(),
  maxDepth: fc.integer({ min: 1, max: 20 }),
});

describe('TLV properties', () => {
  test('random bytes: returns, or throws EmvParseError with a TLV code', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), optionsArb, (bytes, opts) => {
        onlyParseErrors(() => parseTlv(bytes, opts), TLV_CODES, bytes.length);
        onlyParseErrors(() => parseTlvSingle(bytes, opts), TLV_CODES, bytes.length);
      }),
      fcOptions(1000),
    );
  });

  test('random TLV-looking bytes (tags, length forms, padding)', () => {
    const piece = fc.oneof(
      fc.constantFrom(0x00, 0xff, 0x70, 0x77, 0x9f, 0xdf, 0xbf, 0x81, 0x82, 0x83, 0x84, 0x85, 0x80, 0x5a),
      fc.integer({ min: 0, max: 255 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 64 }), optionsArb, (arr, opts) => {
        const bytes = Uint8Array.from(arr);
        onlyParseErrors(() => parseTlv(bytes, opts), TLV_CODES, bytes.length);
        onlyParseErrors(() => parseTlvSingle(bytes, opts), TLV_CODES, bytes.length);
      }),
      fcOptions(1000),
    );
  });

  test('mutated valid encodings: bit flips, truncations, garbage, spliced lengths', () => {
    fc.assert(
      fc.property(
        treeArb,
        fc.array(mutationArb, { minLength: 1, maxLength: 4 }),
        optionsArb,
        (tree, muts, opts) => {
          const bytes = mutate(encodeTlv(tree as TlvInput[]), muts);
          onlyParseErrors(() => parseTlv(bytes, opts), TLV_CODES, bytes.length);
          onlyParseErrors(() => parseTlvSingle(bytes, opts), TLV_CODES, bytes.length);
        },
      ),
      fcOptions(1000),
    );
  });

  test('encode then parse returns the input tree', () => {
    fc.assert(
      fc.property(treeArb, (tree) => {
        const bytes = encodeTlv(tree as TlvInput[]);
        const parsed = parseTlv(bytes, { maxDepth: 256 });
        assert.deepEqual(strip(parsed), plain(tree));
        checkLocations(bytes, parsed);
      }),
      fcOptions(500),
    );
  });

  test('whatever parses re-encodes to something that parses to the same tree', () => {
    fc.assert(
      fc.property(treeArb, fc.array(mutationArb, { maxLength: 2 }), (tree, muts) => {
        const bytes = mutate(encodeTlv(tree as TlvInput[]), muts);
        let parsed: TlvNode[];
        try {
          parsed = parseTlv(bytes, { maxDepth: 256 });
        } catch {
          return; // covered by the robustness properties
        }
        checkLocations(bytes, parsed);
        assert.deepEqual(strip(parseTlv(encodeTlv(parsed), { maxDepth: 256 })), strip(parsed));
      }),
      fcOptions(500),
    );
  });
});
