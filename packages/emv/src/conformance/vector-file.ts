/**
 * Reading and validating a test-vector file in schema `emv-vectors/1` (the format of
 * test/fixtures/vectors/emv-public.json): `{ schema, vectors: [{ id, category, description?, inputs,
 * expected, source? }] }`. Validation is strict about what the runner relies on and tolerant of
 * extra metadata (conventions, sources, validation notes), which the runner does not read.
 */
import { EmvError, EmvErrorCode } from '../errors.js';

/**
 * The schema identifier a vector file carries in its `schema` member; {@link parseVectorFile} throws
 * ERR_VECTOR_FILE_INVALID for any other.
 */
export const VECTOR_SCHEMA = 'emv-vectors/1';

/**
 * One conformance vector: `category` names the computation (a key of `vectorCategories`), `inputs`
 * feed it, and `expected` gives each output field it must produce, as hex.
 */
export type TestVector = {
  /** Non-empty and unique within its file. */
  id: string;
  category: string;
  description?: string;
  /** Category-specific inputs, mostly hex strings; the runner reads only those its category needs. */
  inputs: Record<string, unknown>;
  /** Output field name → expected hex value; at least one field. */
  expected: Record<string, string>;
};

/**
 * A validated `emv-vectors/1` file as {@link parseVectorFile} returns it: only the members the
 * runner reads are kept.
 */
export type VectorFile = { schema: typeof VECTOR_SCHEMA; vectors: TestVector[] };

function invalid(message: string): EmvError {
  return new EmvError(EmvErrorCode.VECTOR_FILE_INVALID, message);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses and validates the JSON text of a vector file. */
export function parseVectorFile(text: string): VectorFile {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw invalid(`not valid JSON: ${(e as Error).message}`);
  }
  if (!isPlainObject(doc)) throw invalid('top level must be a JSON object');
  if (doc.schema !== VECTOR_SCHEMA) {
    throw invalid(`schema must be "${VECTOR_SCHEMA}", found ${JSON.stringify(doc.schema ?? null)}`);
  }
  if (!Array.isArray(doc.vectors)) throw invalid('"vectors" must be an array');
  const seen = new Set<string>();
  const vectors = doc.vectors.map((v: unknown, i: number): TestVector => {
    const where = `vectors[${i}]`;
    if (!isPlainObject(v)) throw invalid(`${where} must be an object`);
    if (typeof v.id !== 'string' || v.id === '') throw invalid(`${where}.id must be a non-empty string`);
    if (seen.has(v.id)) throw invalid(`${where}.id "${v.id}" is used twice`);
    seen.add(v.id);
    if (typeof v.category !== 'string' || v.category === '') {
      throw invalid(`${where} (${v.id}).category must be a non-empty string`);
    }
    if (v.description !== undefined && typeof v.description !== 'string') {
      throw invalid(`${where} (${v.id}).description must be a string`);
    }
    if (!isPlainObject(v.inputs)) throw invalid(`${where} (${v.id}).inputs must be an object`);
    if (!isPlainObject(v.expected) || Object.keys(v.expected).length === 0) {
      throw invalid(`${where} (${v.id}).expected must be a non-empty object`);
    }
    for (const [k, val] of Object.entries(v.expected)) {
      if (typeof val !== 'string') throw invalid(`${where} (${v.id}).expected.${k} must be a hex string`);
    }
    return {
      id: v.id,
      category: v.category,
      ...(v.description === undefined ? {} : { description: v.description }),
      inputs: v.inputs,
      expected: v.expected as Record<string, string>,
    };
  });
  return { schema: VECTOR_SCHEMA, vectors };
}
