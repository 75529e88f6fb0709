/**
 * Private references to every primitive the V-OS host uses on its hot path, captured once when
 * this module is first imported (docs/design.md "The host"; the same idea as Node's own
 * lib/internal/per_context/primordials.js).
 *
 * Code that runs later and monkey-patches `EventEmitter.prototype`, `MessagePort.prototype`,
 * `worker_threads.Worker`, `Map.prototype`, typed-array methods or timers neither sees nor
 * changes what V-OS does: the host never looks those names up again. Code that runs *before*
 * this module is imported is outside what this can defend (docs/threat-model.md); import the
 * V-OS host first.
 */
import { EventEmitter } from 'node:events';
import { clearTimeout as nodeClearTimeout, setTimeout as nodeSetTimeout } from 'node:timers';
import {
  MessageChannel as NodeMessageChannel,
  MessagePort as NodeMessagePort,
  Worker as NodeWorker,
  receiveMessageOnPort as nodeReceiveMessageOnPort,
} from 'node:worker_threads';

const { apply } = Reflect;
const { bind, call } = Function.prototype;

/** `uncurryThis(Map.prototype.get)(map, key)`: a call that never looks anything up at call time. */
function uncurryThis<T, A extends unknown[], R>(fn: (this: T, ...args: A) => R): (self: T, ...args: A) => R {
  return apply(bind, call, [fn]) as (self: T, ...args: A) => R;
}

const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as object;
function getter(obj: object, key: PropertyKey): (self: unknown) => unknown {
  const d = Object.getOwnPropertyDescriptor(obj, key);
  if (!d?.get) throw new Error('V-OS host: intrinsic getter missing');
  return uncurryThis(d.get as (this: unknown) => unknown);
}

export const ObjectFreeze = Object.freeze;
export const MathMax = Math.max;
export const ArrayIsArray = Array.isArray;
/** Captured so a patched JSON.stringify never sees the scan a device report carries. */
export const JSONStringify = JSON.stringify;
export const PromiseCtor = Promise;
export const PromiseResolve: <T>(v: T) => Promise<Awaited<T>> = Promise.resolve.bind(Promise);
export const PromiseThen = uncurryThis(Promise.prototype.then) as <T, R1, R2>(
  p: Promise<T>,
  ok: (v: T) => R1,
  err: (e: unknown) => R2,
) => Promise<R1 | R2>;
const ObjectHasOwn = Object.hasOwn;
/** An own data property of a plain object, never a prototype getter (which others may have patched). */
export function own(obj: object, key: string): unknown {
  return ObjectHasOwn(obj, key) ? (obj as Record<string, unknown>)[key] : undefined;
}
export const Uint8ArrayCtor = Uint8Array;
export const Int32ArrayCtor = Int32Array;
export const SharedArrayBufferCtor = SharedArrayBuffer;
export const AtomicsLoad = Atomics.load;

/** 'Uint8Array' for a genuine Uint8Array (not a proxy, not a look-alike), else undefined. */
export const TypedArrayToStringTag = getter(TypedArrayPrototype, Symbol.toStringTag) as (
  v: unknown,
) => string | undefined;
export const TypedArrayLength = getter(TypedArrayPrototype, 'length') as (v: Uint8Array) => number;
export const TypedArrayFill = uncurryThis(
  (TypedArrayPrototype as { fill: (this: Uint8Array, v: number) => Uint8Array }).fill,
);
export const TypedArraySet = uncurryThis(
  (TypedArrayPrototype as { set: (this: Uint8Array, src: ArrayLike<number>, offset?: number) => void }).set,
);

export const MapCtor = Map;
export const MapGet = uncurryThis(Map.prototype.get) as <K, V>(m: Map<K, V>, k: K) => V | undefined;
export const MapSet = uncurryThis(Map.prototype.set) as <K, V>(m: Map<K, V>, k: K, v: V) => Map<K, V>;
export const MapDelete = uncurryThis(Map.prototype.delete) as <K, V>(m: Map<K, V>, k: K) => boolean;
export const MapKeys = uncurryThis(Map.prototype.keys) as <K, V>(m: Map<K, V>) => IterableIterator<K>;
export const MapIterNext = uncurryThis(Object.getPrototypeOf(new Map().keys()).next) as <T>(
  it: Iterator<T>,
) => IteratorResult<T>;
export const MapSizeOf = getter(Map.prototype, 'size') as (m: Map<unknown, unknown>) => number;
export const MapValues = uncurryThis(Map.prototype.values) as <K, V>(m: Map<K, V>) => IterableIterator<V>;

export const monotonicNow: () => number = performance.now.bind(performance);
export const setTimer = nodeSetTimeout;
export const clearTimer = nodeClearTimeout;
export const TimeoutUnref = uncurryThis(
  (nodeSetTimeout(() => {}, 0) as unknown as { unref: (this: unknown) => unknown }).unref,
) as (t: unknown) => unknown;

export const WorkerCtor = NodeWorker;
export const WorkerTerminate = uncurryThis(NodeWorker.prototype.terminate) as (
  w: NodeWorker,
) => Promise<number>;
export const EmitterOn = uncurryThis(EventEmitter.prototype.on) as (
  e: EventEmitter,
  name: string,
  fn: (...args: never[]) => void,
) => EventEmitter;

export const MessageChannelCtor = NodeMessageChannel;
export const PortPostMessage = uncurryThis(NodeMessagePort.prototype.postMessage) as (
  p: NodeMessagePort,
  msg: unknown,
  transfer?: readonly unknown[],
) => void;
export const PortOn = uncurryThis(
  (Object.getPrototypeOf(NodeMessagePort.prototype) as { on: (this: unknown, ...a: unknown[]) => unknown })
    .on,
) as (p: NodeMessagePort, name: string, fn: (...args: never[]) => void) => unknown;
export const PortClose = uncurryThis(NodeMessagePort.prototype.close) as (p: NodeMessagePort) => void;
export const receiveMessageOnPort = nodeReceiveMessageOnPort;
