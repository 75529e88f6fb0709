/**
 * GP parameter type nibbles and their packing (GP TEE Client API v1.0 §4.3.6 TEEC_PARAM_TYPES,
 * TEE Internal Core API v1.3 §4.3.6.1 TEE_PARAM_TYPES / TEE_PARAM_TYPE_GET). Both sides of a
 * V-OS invocation and every TA's parameter check use these values.
 */

/** TEE_PARAM_TYPE_* (identical in the Client and Internal Core APIs). */
export const ParamType = {
  NONE: 0,
  VALUE_INPUT: 1,
  VALUE_OUTPUT: 2,
  VALUE_INOUT: 3,
  MEMREF_INPUT: 5,
  MEMREF_OUTPUT: 6,
  MEMREF_INOUT: 7,
} as const;
/** One of the {@link ParamType} nibbles. */
export type ParamType = (typeof ParamType)[keyof typeof ParamType];

/** At most four parameters per operation (TEEC_Operation). */
export const MAX_PARAMS = 4;

/** TEE_PARAM_TYPES(t0, t1, t2, t3): four nibbles in one u32. */
export function packParamTypes(t0: number, t1 = 0, t2 = 0, t3 = 0): number {
  return ((t0 & 0xf) | ((t1 & 0xf) << 4) | ((t2 & 0xf) << 8) | ((t3 & 0xf) << 12)) >>> 0;
}

/** TEE_PARAM_TYPE_GET(types, index). */
export function paramTypeAt(types: number, index: number): number {
  return (types >>> (index * 4)) & 0xf;
}
