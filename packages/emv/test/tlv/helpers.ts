/**
 * Shared test helpers for the tlv, dol and apdu suites: error assertions, fast-check settings
 * and a mutation arbitrary for fuzzing parsers with damaged but plausible encodings.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { hexToBytes } from '../../src/codec/index.js';
import { EmvError, EmvErrorCode, EmvParseError } from '../../src/errors.js';

export const h = (hex: string): Uint8Array => hexToBytes(hex.replace(/\s+/g, ''));

/** Asserts that `fn` throws an EmvParseError with `code` at `offset`. */
export function assertParseError(fn: () => unknown, code: string, offset: number): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof EmvParseError, `expected EmvParseError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.equal(e.offset, offset, `offset for ${e.message}`);
    return true;
  });
}

/** Asserts that `fn` throws a plain EmvError (misuse) with `code`. */
export function assertEmvError(fn: () => unknown, code: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof EmvError, `expected EmvError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return true;
  });
}

const codes = (prefix: string) =>
  new Set<string>(Object.values(EmvErrorCode).filter((c) => c.startsWith(prefix)));
export const TLV_CODES = codes('ERR_TLV_');
export const DOL_CODES = codes('ERR_DOL_');
export const APDU_CODES = codes('ERR_APDU_');

/** Runs `fn`; it may return, or throw an EmvParseError with one of `allowed` and a sane offset. */
export function onlyParseErrors(fn: () => unknown, allowed: ReadonlySet<string>, inputLength: number): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof EmvParseError)) throw new Error(`threw a non-EmvParseError: ${String(e)}`);
    if (!allowed.has(e.code)) throw new Error(`unexpected code ${e.code}`);
    if (!Number.isInteger(e.offset) || e.offset < 0 || e.offset > inputLength)
      throw new Error(`offset ${e.offset} outside 0..${inputLength}`);
  }
}

/**
 * fast-check settings: a fixed seed so CI runs are repeatable; FC_SEED=<n> replays another seed,
 * FC_SEED=random lets fast-check pick one (and print it on failure).
 */
export function fcOptions(numRuns: number): { numRuns: number; seed?: number } {
  const env = process.env.FC_SEED;
  if (env === 'random') return { numRuns };
  return { numRuns, seed: env !== undefined ? Number(env) : 0x0e5e_2026 };
}

export type Mutation =
  | { kind: 'flip'; pos: number; bit: number }
  | { kind: 'truncate'; pos: number }
  | { kind: 'append'; bytes: Uint8Array }
  | { kind: 'splice'; pos: number; byte: number }
  | { kind: 'insert'; pos: number; bytes: Uint8Array }
  | { kind: 'delete'; pos: number; count: number };

/** Interesting replacement bytes: length forms, padding, tag continuation. */
const SPLICE_BYTES = [0x00, 0x01, 0x1f, 0x20, 0x7f, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x9f, 0xdf, 0xff];

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), pos: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('truncate' as const), pos: fc.nat() }),
  fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({
    kind: fc.constant('splice' as const),
    pos: fc.nat(),
    byte: fc.oneof(fc.constantFrom(...SPLICE_BYTES), fc.integer({ min: 0, max: 255 })),
  }),
  fc.record({
    kind: fc.constant('insert' as const),
    pos: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 4 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), pos: fc.nat(), count: fc.integer({ min: 1, max: 4 }) }),
);

/** Applies mutations in order (positions are taken modulo the current length). */
export function mutate(input: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let b = Uint8Array.from(input);
  for (const m of mutations) {
    const at = (n: number) => (b.length === 0 ? 0 : n % (b.length + 1));
    switch (m.kind) {
      case 'flip':
        if (b.length > 0) b[m.pos % b.length]! ^= 1 << m.bit;
        break;
      case 'truncate':
        b = b.slice(0, at(m.pos));
        break;
      case 'append':
        b = Uint8Array.from([...b, ...m.bytes]);
        break;
      case 'splice':
        if (b.length > 0) b[m.pos % b.length] = m.byte;
        break;
      case 'insert': {
        const p = at(m.pos);
        b = Uint8Array.from([...b.subarray(0, p), ...m.bytes, ...b.subarray(p)]);
        break;
      }
      case 'delete': {
        const p = at(m.pos);
        b = Uint8Array.from([...b.subarray(0, p), ...b.subarray(p + m.count)]);
        break;
      }
    }
  }
  return b;
}

const hx = (b: number) => b.toString(16).toUpperCase().padStart(2, '0');

/** A well-formed EMV tag (1..3 bytes) with b6 set or clear as asked (either when undefined). */
export function tagArb(constructed?: boolean): fc.Arbitrary<string> {
  if (constructed === undefined) return fc.oneof(tagArb(false), tagArb(true));
  const cbit = constructed ? 0x20 : 0;
  const oneByte = fc
    .integer({ min: 0, max: 255 })
    .map((b) => (b & 0xdf) | cbit)
    .filter((b) => (b & 0x1f) !== 0x1f && b !== 0x00)
    .map(hx);
  const first = fc
    .integer({ min: 0, max: 3 })
    .map((cls) => (cls << 6) | cbit | 0x1f)
    .filter((b) => b !== 0xff);
  const twoBytes = fc.tuple(first, fc.integer({ min: 1, max: 0x7f })).map(([a, b]) => hx(a) + hx(b));
  const threeBytes = fc
    .tuple(first, fc.integer({ min: 0x81, max: 0xff }), fc.integer({ min: 0, max: 0x7f }))
    .map(([a, b, c]) => hx(a) + hx(b) + hx(c));
  return fc.oneof(oneByte, twoBytes, threeBytes);
}
