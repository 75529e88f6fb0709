/**
 * conformance/: the `emv-vectors/1` test-vector format and its runner (what `openvse
 * conformance` runs): each vector's category names the computation, its inputs are fed to this
 * library and every expected output field is compared.
 */
// The node:crypto backend is this entry point's default (crypto/backend.ts); `@openvse/emv/pure`
// does not import it.
import '../crypto/node-default.js';

export { vectorCategories } from './categories.js';
export {
  type ConformanceReport,
  describeFailure,
  type FieldMismatch,
  knownCategories,
  runConformance,
  runVector,
  type VectorResult,
} from './runner.js';
export { parseVectorFile, type TestVector, VECTOR_SCHEMA, type VectorFile } from './vector-file.js';
