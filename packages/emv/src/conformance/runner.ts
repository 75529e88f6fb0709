/**
 * The conformance runner: computes every `expected` field of every vector with this library and
 * reports, per vector, each field that differs. The per-category computations live in
 * categories.ts; this file only dispatches, compares and counts.
 */
import { EmvError, EmvErrorCode, isEmvError } from '../errors.js';
import { vectorCategories } from './categories.js';
import type { TestVector, VectorFile } from './vector-file.js';

/**
 * An expected output field the library computed differently, both values as upper-case hex;
 * `actual` is undefined when the category does not compute that field from the given inputs.
 */
export type FieldMismatch = { field: string; expected: string; actual: string | undefined };

/**
 * The outcome of one vector: `ok`, or the fields that differ. A vector that could not be computed
 * has no mismatches and an `error` instead: its unknown category, or what the computation threw
 * (`ERR_…: message` for an `EmvError`).
 */
export type VectorResult =
  | { id: string; category: string; ok: true }
  | { id: string; category: string; ok: false; mismatches: FieldMismatch[]; error?: string };

/** The results of a vector file, in file order, with the number of vectors that passed and failed. */
export type ConformanceReport = { results: VectorResult[]; passed: number; failed: number };

/** Categories this implementation can check. */
export function knownCategories(): string[] {
  return Object.keys(vectorCategories).sort();
}

/**
 * Computes `v`'s category with this library and compares every `expected` field with the computed
 * one, ignoring hex case. An unknown category, a computation that throws (e.g.
 * ERR_VECTOR_FILE_INVALID for a missing input), or an input the category does not read
 * (ERR_VECTOR_FILE_INVALID naming it) is returned as a failed result, not thrown.
 */
export function runVector(v: TestVector): VectorResult {
  const check = Object.hasOwn(vectorCategories, v.category) ? vectorCategories[v.category] : undefined;
  if (!check) {
    return {
      id: v.id,
      category: v.category,
      ok: false,
      mismatches: [],
      error: `unknown category "${v.category}"`,
    };
  }
  let computed: Record<string, string>;
  try {
    // Every input must be one the category reads: a misspelt or unknown field fails with its
    // name instead of the vector passing or failing for the wrong reason.
    const read = new Set<string>();
    const inputs = new Proxy(
      { ...v.inputs, __id: v.id, __description: v.description ?? '' },
      {
        get(target, key, receiver) {
          if (typeof key === 'string') read.add(key);
          return Reflect.get(target, key, receiver);
        },
        has(target, key) {
          if (typeof key === 'string') read.add(key);
          return Reflect.has(target, key);
        },
      },
    );
    computed = check(inputs);
    const unread = Object.keys(v.inputs).filter((k) => !read.has(k));
    if (unread.length > 0)
      throw new EmvError(
        EmvErrorCode.VECTOR_FILE_INVALID,
        `inputs.${unread[0]}: not an input of category ${v.category}${unread.length > 1 ? ` (nor ${unread.slice(1).join(', ')})` : ''}`,
      );
  } catch (e) {
    const why = isEmvError(e)
      ? `${e.code}: ${e.message}`
      : `unexpected ${(e as Error)?.name ?? 'error'}: ${String(e)}`;
    return { id: v.id, category: v.category, ok: false, mismatches: [], error: why };
  }
  const mismatches: FieldMismatch[] = [];
  for (const [field, expected] of Object.entries(v.expected)) {
    const actual = Object.hasOwn(computed, field) ? computed[field] : undefined;
    if (actual === undefined || actual.toUpperCase() !== expected.toUpperCase()) {
      mismatches.push({ field, expected: expected.toUpperCase(), actual: actual?.toUpperCase() });
    }
  }
  return mismatches.length === 0
    ? { id: v.id, category: v.category, ok: true }
    : { id: v.id, category: v.category, ok: false, mismatches };
}

/**
 * Runs {@link runVector} over every vector of a parsed `emv-vectors/1` file
 * (docs/emv-cryptography.md §6).
 */
export function runConformance(file: VectorFile): ConformanceReport {
  const results = file.vectors.map(runVector);
  const passed = results.filter((r) => r.ok).length;
  return { results, passed, failed: results.length - passed };
}

/** One line per failing vector, naming each field that differs. */
export function describeFailure(r: VectorResult): string {
  if (r.ok) return `PASS ${r.id}`;
  if (r.error) return `FAIL ${r.id} [${r.category}]: ${r.error}`;
  const parts = r.mismatches.map((m) =>
    m.actual === undefined
      ? `${m.field} not computed`
      : `${m.field} differs (expected ${m.expected}, got ${m.actual})`,
  );
  return `FAIL ${r.id} [${r.category}]: ${parts.join('; ')}`;
}
