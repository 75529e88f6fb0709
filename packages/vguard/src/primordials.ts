/**
 * V-Guard's "primordials": references to security-relevant functions, captured when this module is
 * evaluated, i.e. when `@openvse/vguard` (or anything importing scanner.ts) is first imported.
 * V-Guard must therefore load first, before the app's other modules, like the V-OS host: a hook
 * installed earlier is captured as if it were the original (the native-code and clean-realm
 * checks of the built-ins detector exist for that case, and the preload detector says who ran
 * earlier). docs/runtime-protection.md §2.5 "Monkey-patched built-ins" (a), (b), (c).
 *
 * `native` marks functions that are V8 or C++ builtins on Node 20 (measured here): their source
 * text must be exactly `function <name>() { [native code] }`; a JS wrapper, a bound function or a
 * Proxy prints something else ("function () { [native code] }" for the last two).
 * `expr` is the same lookup as source text, evaluated in a clean Worker realm (builtins.ts).
 */
import { createRequire } from 'node:module';

// The CommonJS export objects, not ESM namespaces: a hook mutates `require('node:crypto')`, and a
// builtin's ESM namespace only follows such a change after module.syncBuiltinESMExports() (so
// looking through the namespace would miss it; measured here).
const require = createRequire(import.meta.url);
const crypto = require('node:crypto') as typeof import('node:crypto');
const { EventEmitter } = require('node:events') as typeof import('node:events');
const fs = require('node:fs') as typeof import('node:fs');
const inspector = require('node:inspector') as typeof import('node:inspector');
const { MessagePort, Worker } = require('node:worker_threads') as typeof import('node:worker_threads');

/** A security-relevant built-in: its name, how to look it up, its native name if it is a V8 builtin. */
export type PrimordialSpec = {
  name: string;
  expr: string;
  get: () => unknown;
  /**
   * Expected native function name, when the function is a V8/C++ builtin; '' for a C++ binding
   * Node exposes without a name (`function () { [native code] }`, name '').
   */
  native?: string;
};

/**
 * Node 22 and later expose `crypto.timingSafeEqual` as the unnamed C++ binding itself (measured:
 * 22.23.5 and 24.22.3 print `function () { [native code] }`, name ''); Node 20 names it.
 */
const TIMING_SAFE_EQUAL_NATIVE = Number(process.versions.node.split('.')[0]) >= 22 ? '' : 'timingSafeEqual';

const subtleProto = (): Record<string, unknown> =>
  Object.getPrototypeOf(crypto.webcrypto.subtle) as Record<string, unknown>;

/** The built-ins the BUILTIN_REPLACED check watches. */
export const PRIMORDIAL_SPECS: readonly PrimordialSpec[] = Object.freeze([
  {
    name: 'Function.prototype.call',
    expr: 'Function.prototype.call',
    get: () => Function.prototype.call,
    native: 'call',
  },
  {
    name: 'Function.prototype.apply',
    expr: 'Function.prototype.apply',
    get: () => Function.prototype.apply,
    native: 'apply',
  },
  {
    name: 'Function.prototype.bind',
    expr: 'Function.prototype.bind',
    get: () => Function.prototype.bind,
    native: 'bind',
  },
  {
    name: 'Function.prototype.toString',
    expr: 'Function.prototype.toString',
    get: () => Function.prototype.toString,
    native: 'toString',
  },
  { name: 'Reflect.apply', expr: 'Reflect.apply', get: () => Reflect.apply, native: 'apply' },
  {
    name: 'Object.defineProperty',
    expr: 'Object.defineProperty',
    get: () => Object.defineProperty,
    native: 'defineProperty',
  },
  { name: 'JSON.parse', expr: 'JSON.parse', get: () => JSON.parse, native: 'parse' },
  { name: 'JSON.stringify', expr: 'JSON.stringify', get: () => JSON.stringify, native: 'stringify' },
  { name: 'Date.now', expr: 'Date.now', get: () => Date.now, native: 'now' },
  { name: 'Math.random', expr: 'Math.random', get: () => Math.random, native: 'random' },
  {
    name: 'crypto.createCipheriv',
    expr: "require('node:crypto').createCipheriv",
    get: () => crypto.createCipheriv,
  },
  {
    name: 'crypto.createDecipheriv',
    expr: "require('node:crypto').createDecipheriv",
    get: () => crypto.createDecipheriv,
  },
  { name: 'crypto.createHmac', expr: "require('node:crypto').createHmac", get: () => crypto.createHmac },
  { name: 'crypto.createHash', expr: "require('node:crypto').createHash", get: () => crypto.createHash },
  { name: 'crypto.randomBytes', expr: "require('node:crypto').randomBytes", get: () => crypto.randomBytes },
  {
    name: 'crypto.randomFillSync',
    expr: "require('node:crypto').randomFillSync",
    get: () => crypto.randomFillSync,
  },
  {
    name: 'crypto.createPrivateKey',
    expr: "require('node:crypto').createPrivateKey",
    get: () => crypto.createPrivateKey,
  },
  { name: 'crypto.sign', expr: "require('node:crypto').sign", get: () => crypto.sign },
  { name: 'crypto.verify', expr: "require('node:crypto').verify", get: () => crypto.verify },
  {
    name: 'crypto.timingSafeEqual',
    expr: "require('node:crypto').timingSafeEqual",
    get: () => crypto.timingSafeEqual,
    native: TIMING_SAFE_EQUAL_NATIVE,
  },
  {
    name: 'SubtleCrypto.prototype.sign',
    expr: "Object.getPrototypeOf(require('node:crypto').webcrypto.subtle).sign",
    get: () => subtleProto().sign,
  },
  {
    name: 'SubtleCrypto.prototype.decrypt',
    expr: "Object.getPrototypeOf(require('node:crypto').webcrypto.subtle).decrypt",
    get: () => subtleProto().decrypt,
  },
  {
    name: 'EventEmitter.prototype.emit',
    expr: "require('node:events').EventEmitter.prototype.emit",
    get: () => EventEmitter.prototype.emit,
  },
  {
    name: 'EventEmitter.prototype.on',
    expr: "require('node:events').EventEmitter.prototype.on",
    get: () => EventEmitter.prototype.on,
  },
  {
    name: 'MessagePort.prototype.postMessage',
    expr: "require('node:worker_threads').MessagePort.prototype.postMessage",
    get: () => MessagePort.prototype.postMessage,
    native: 'postMessage',
  },
  {
    name: 'Worker.prototype.postMessage',
    expr: "require('node:worker_threads').Worker.prototype.postMessage",
    get: () => Worker.prototype.postMessage,
  },
  {
    name: 'globalThis.fetch',
    expr: 'globalThis.fetch',
    get: () => (globalThis as { fetch?: unknown }).fetch,
  },
  { name: 'fs.readFileSync', expr: "require('node:fs').readFileSync", get: () => fs.readFileSync },
  { name: 'fs.writeFileSync', expr: "require('node:fs').writeFileSync", get: () => fs.writeFileSync },
  { name: 'fs.readFile', expr: "require('node:fs').readFile", get: () => fs.readFile },
  { name: 'inspector.url', expr: "require('node:inspector').url", get: () => inspector.url, native: 'url' },
  { name: 'inspector.open', expr: "require('node:inspector').open", get: () => inspector.open },
  {
    name: 'inspector.Session.prototype.connect',
    expr: "require('node:inspector').Session.prototype.connect",
    get: () => inspector.Session.prototype.connect,
  },
  { name: 'process.dlopen', expr: 'process.dlopen', get: () => process.dlopen, native: 'dlopen' },
]);

/** A watched built-in and the value it had when V-Guard loaded. */
export type Primordial = { spec: PrimordialSpec; value: unknown };

/** Our own copy of Function.prototype.toString, taken before anything else below runs. */
export const fnToString: (this: unknown) => string = Function.prototype.toString;
const apply = Reflect.apply;

/** Source text of a function through V-Guard's own Function.prototype.toString (undefined if none). */
export function sourceOf(fn: unknown): string | undefined {
  if (typeof fn !== 'function') return undefined;
  try {
    return apply(fnToString, fn, []) as string;
  } catch {
    return undefined;
  }
}

function safeGet(spec: PrimordialSpec): unknown {
  try {
    return spec.get();
  } catch {
    return undefined;
  }
}

/** Captured once, at module evaluation. */
export const PRIMORDIALS: readonly Primordial[] = Object.freeze(
  PRIMORDIAL_SPECS.map((spec) => Object.freeze({ spec, value: safeGet(spec) })),
);

/** The current value of a primordial's lookup (for the identity check). */
export function currentValue(p: Primordial): unknown {
  return safeGet(p.spec);
}
