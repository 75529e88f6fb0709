/**
 * Runs the published EMV vectors (test/fixtures/vectors/emv-public.json, the project's published
 * vector file with its source attribution) through the conformance runner, and proves the
 * runner can fail: every expected field of every vector, altered by one hex digit, makes exactly
 * that vector fail and names exactly that field.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
// The runner's modules, imported directly, choose no backend: node:crypto here, as the Node entry
// points do (test/crypto/backends.test.ts runs the vectors on both backends).
import '../../src/crypto/node-default.js';
import { knownCategories, runConformance, runVector } from '../../src/conformance/runner.js';
import { parseVectorFile, type TestVector } from '../../src/conformance/vector-file.js';
import { EmvError, EmvErrorCode } from '../../src/errors.js';

const fixture = new URL('../../../../../test/fixtures/vectors/emv-public.json', import.meta.url);
const text = readFileSync(fixture, 'utf8');
const file = parseVectorFile(text);

function flipDigit(hex: string, at: number): string {
  const c = hex[at]!;
  const d = ((Number.parseInt(c, 16) + 1) % 16).toString(16).toUpperCase();
  return hex.slice(0, at) + d + hex.slice(at + 1);
}

describe('public EMV vectors', () => {
  test('every category in the file is one the runner knows', () => {
    const cats = new Set(file.vectors.map((v) => v.category));
    for (const c of cats) assert.ok(knownCategories().includes(c), `category ${c}`);
    assert.ok(cats.size >= 13);
  });

  for (const v of file.vectors) {
    test(`${v.id} [${v.category}]`, () => {
      const r = runVector(v);
      assert.deepEqual(r, { id: v.id, category: v.category, ok: true });
    });
  }

  test('all vectors pass together', () => {
    const report = runConformance(file);
    assert.equal(report.failed, 0);
    assert.equal(report.passed, file.vectors.length);
  });
});

describe('the runner fails loudly on doctored vectors', () => {
  test('one altered hex digit in any expected field fails that vector on that field', () => {
    let checks = 0;
    for (const v of file.vectors) {
      for (const [field, value] of Object.entries(v.expected)) {
        const at = checks % value.length; // vary the position across fields
        const doctored: TestVector = { ...v, expected: { ...v.expected, [field]: flipDigit(value, at) } };
        const r = runVector(doctored);
        assert.equal(r.ok, false, `${v.id}.${field} altered but still passed`);
        if (!r.ok) {
          assert.equal(r.error, undefined);
          assert.deepEqual(
            r.mismatches.map((m) => m.field),
            [field],
          );
        }
        checks++;
      }
    }
    assert.ok(checks > 50, `only ${checks} fields checked`);
  });

  test('an unknown category fails with a clear reason', () => {
    const r = runVector({ id: 'x', category: 'cvc3_track1', inputs: {}, expected: { cvc3: '0000' } });
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.error ?? '', /unknown category "cvc3_track1"/);
  });

  test('a field the implementation does not compute is a failure, not a pass', () => {
    const v = file.vectors.find((x) => x.category === 'aes_cmac')!;
    const r = runVector({ ...v, expected: { ...v.expected, cmac_truncated_4: 'BB1D6929' } });
    assert.equal(r.ok, false);
    if (!r.ok)
      assert.deepEqual(r.mismatches, [
        { field: 'cmac_truncated_4', expected: 'BB1D6929', actual: undefined },
      ]);
  });

  test('an input the category does not read fails with its name, in every vector', () => {
    for (const v of file.vectors) {
      const r = runVector({ ...v, inputs: { ...v.inputs, pading_method: 1 } });
      assert.equal(r.ok, false, `${v.id}: a misspelt input passed`);
      if (!r.ok)
        assert.match(r.error ?? '', /^ERR_VECTOR_FILE_INVALID: inputs\.pading_method: not an input of/);
    }
  });

  test('inputs given twice must agree (r with atc and un; data_ascii with data)', () => {
    const skd = file.vectors.find(
      (x) => x.category === 'session_key_mastercard_skd' && x.inputs.atc !== undefined,
    )!;
    const r1 = runVector({ ...skd, inputs: { ...skd.inputs, r: '001C0000ABCDEF13' } });
    assert.equal(r1.ok, false);
    if (!r1.ok) assert.match(r1.error ?? '', /inputs\.r: does not match/);
    const mac = file.vectors.find(
      (x) => x.category === 'mac_iso9797_1_alg3' && x.inputs.data_ascii !== undefined,
    )!;
    const r2 = runVector({ ...mac, inputs: { ...mac.inputs, data_ascii: 'hello world!' } });
    assert.equal(r2.ok, false);
    if (!r2.ok) assert.match(r2.error ?? '', /inputs\.data_ascii: not the same bytes/);
  });

  test('bad inputs inside a vector become a typed failure, not a crash', () => {
    const v = file.vectors.find((x) => x.category === 'icc_master_key_option_a')!;
    const r = runVector({ ...v, inputs: { ...v.inputs, imk: '0123' } });
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.error ?? '', /^ERR_/);
  });
});

describe('vector file validation', () => {
  const bad: Array<[string, string]> = [
    ['not json', '{"schema":'],
    ['wrong schema', JSON.stringify({ schema: 'emv-vectors/2', vectors: [] })],
    ['vectors missing', JSON.stringify({ schema: 'emv-vectors/1' })],
    ['vector not object', JSON.stringify({ schema: 'emv-vectors/1', vectors: [1] })],
    [
      'no id',
      JSON.stringify({
        schema: 'emv-vectors/1',
        vectors: [{ category: 'a', inputs: {}, expected: { a: '00' } }],
      }),
    ],
    [
      'duplicate id',
      JSON.stringify({
        schema: 'emv-vectors/1',
        vectors: [
          { id: 'a', category: 'aes_cmac', inputs: {}, expected: { a: '00' } },
          { id: 'a', category: 'aes_cmac', inputs: {}, expected: { a: '00' } },
        ],
      }),
    ],
    [
      'expected not string',
      JSON.stringify({
        schema: 'emv-vectors/1',
        vectors: [{ id: 'a', category: 'c', inputs: {}, expected: { a: 1 } }],
      }),
    ],
    ['array top level', '[]'],
  ];
  for (const [name, body] of bad) {
    test(name, () => {
      assert.throws(
        () => parseVectorFile(body),
        (e: unknown) => e instanceof EmvError && e.code === EmvErrorCode.VECTOR_FILE_INVALID,
      );
    });
  }
});
