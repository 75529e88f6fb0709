/**
 * The host's private link to the V-OS worker: starts it, sends requests, matches replies by
 * request id, and runs the watchdog. It plays the part of OP-TEE's normal-world driver
 * (optee_smc/optee_msg call queue) and of the TA-dead handling of GP TEE Client API v1.0 §4.5
 * (TEEC_ERROR_TARGET_DEAD after a trusted application panics).
 *
 * - The worker starts with `env: {}`, an explicit `execArgv` (the permission flags only), resource
 *   limits and no stdin (docs/design.md "The worker"); the Worker object and its ports never
 *   leave this closure.
 * - Replies are pulled with a captured `receiveMessageOnPort` from a port with no listener; only an
 *   empty wake-up crosses an event listener (see worker/protocol.ts).
 * - Watchdog: each request may carry a deadline. The worker beats a shared counter from its own
 *   event loop (every HEARTBEAT_MS, and on every request it takes); the host judges the secure
 *   world by that beat, not by its own event loop: replies already sent are delivered first, and
 *   only when a deadline has passed AND the worker has not beaten for a whole deadline (plus a
 *   short grace: WATCHDOG_GRACE_MS) is it stuck. Then it is terminated, every pending request is
 *   answered TEE_ERROR_TARGET_DEAD (origin TEE), the generation number moves on so that sessions
 *   opened before are dead, and a fresh worker boots (storage is on disk, intact). A host whose
 *   own event loop was blocked for a while therefore restarts nothing that was working.
 */
import { fileURLToPath } from 'node:url';
import type { MessagePort, Worker } from 'node:worker_threads';
import { TeeOrigin, TeeResult, VosError } from '@openvse/protocol';
import { Op, type Reply, type Request, type WorkerBootData } from '../worker/protocol.js';
import { requestIds, requestVia } from './link-requests.js';
import {
  AtomicsLoad,
  clearTimer,
  EmitterOn,
  Int32ArrayCtor,
  MapCtor,
  MapDelete,
  MapGet,
  MapIterNext,
  MapKeys,
  MapSet,
  MapSizeOf,
  MapValues,
  MathMax,
  MessageChannelCtor,
  monotonicNow,
  PortClose,
  PortOn,
  PortPostMessage,
  PromiseCtor,
  PromiseThen,
  receiveMessageOnPort,
  SharedArrayBufferCtor,
  setTimer,
  TimeoutUnref,
  TypedArrayFill,
  WorkerCtor,
  WorkerTerminate,
} from './primordials.js';

/**
 * V8 limits of the secure-world worker, in MB (Node's `worker_threads` `resourceLimits`); each must
 * be a positive number up to 16384.
 */
export type ResourceLimits = {
  maxOldGenerationSizeMb?: number;
  maxYoungGenerationSizeMb?: number;
  codeRangeSizeMb?: number;
  stackSizeMb?: number;
};

export type LinkOptions = {
  boot: Omit<WorkerBootData, 'requestPort' | 'replyPort'>;
  resourceLimits: ResourceLimits;
  bootTimeoutMs: number;
};

/** A reply and the worker generation that answered (a session remembers the one that opened it). */
export type Answer = { reply: Reply; gen: number };

export type WorkerLink = {
  /**
   * Sends a request (its id is assigned here); `done` gets the reply exactly once, never throws.
   * Request objects are built as literals and replies are never written to, so no setter or
   * getter someone put on Object.prototype ever sees them.
   */
  call(req: DistributiveOmit<Request, 'id'>, deadlineMs: number, done: (r: Reply, gen: number) => void): void;
  /** Promise form of `call`; never rejects. */
  request(req: DistributiveOmit<Request, 'id'>, deadlineMs: number): Promise<Answer>;
  /** The current worker generation; sessions remember the one they were opened in. */
  generation(): number;
  /** Resolves once the current worker has booted; rejects with the boot error. */
  ready(): Promise<void>;
  close(): Promise<void>;
};

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** `deadline`: absolute time on the monotonic clock (0: none); `timeout`: its length in ms. */
type Pending = { done: (r: Reply, gen: number) => void; deadline: number; timeout: number; gen: number };

/**
 * Extra time the host gives the secure world past a deadline: an async TA command that stalls is
 * ended by the worker itself at its deadline (only that TA dies); the host steps in only when
 * the worker thread is blocked, which it sees as no reply at all for a whole deadline.
 */
const WATCHDOG_GRACE_MS = 150;

/**
 * The worker's explicit execArgv: only the parent's permission-model flags, nothing else (no
 * --inspect, --require, --import, --loader…). Measured on Node 20.20.2: a Worker started with
 * `execArgv: []` under `--experimental-permission` runs WITHOUT the permission model (inspector,
 * /proc/self/mem and child_process all allowed inside it), so the flags must be passed on.
 */
const PERMISSION_FLAG =
  /^--(experimental-permission|permission|allow-(fs-read|fs-write|worker|child-process|addons|wasi))(=|$)/;
export function workerExecArgv(parent: readonly string[]): string[] {
  return parent.filter((a) => PERMISSION_FLAG.test(a));
}
const EXEC_ARGV = workerExecArgv(process.execArgv);

const WORKER_URL = new URL('../worker/entry.js', import.meta.url);
const WORKER_PATH = fileURLToPath(WORKER_URL);

function dead(id: number, why: string): Reply {
  return { id, r: TeeResult.ERROR_TARGET_DEAD, o: TeeOrigin.TEE, m: why };
}

export function createWorkerLink(options: LinkOptions): WorkerLink {
  const pending = new MapCtor<number, Pending>();
  const nextId = requestIds();
  let gen = 0;
  let closed = false;
  let worker: Worker | null = null;
  let requestPort: MessagePort | null = null;
  let replyPort: MessagePort | null = null;
  let readyPromise: Promise<void>;
  let bootedGen = -1;
  // One watchdog timer for all requests, armed for the earliest deadline it knows of: no timer
  // is created or cleared per command on the hot path.
  let watchdog: ReturnType<typeof setTimer> | null = null;
  let watchdogAt = Number.POSITIVE_INFINITY;
  /** When the worker last showed progress (an answer, or a heartbeat). */
  let lastProgress = monotonicNow();
  /** The worker's heartbeat counter (shared memory it increments from its own event loop). */
  let beat = new Int32ArrayCtor(new SharedArrayBufferCtor(4));
  let lastBeat = 0;

  function drain(): void {
    const port = replyPort;
    if (!port) return;
    for (;;) {
      const got = receiveMessageOnPort(port) as { message: Reply } | undefined;
      if (!got) break;
      const reply = got.message;
      if (typeof reply !== 'object' || reply === null || typeof reply.id !== 'number') continue;
      lastProgress = monotonicNow();
      const p = MapGet(pending, reply.id);
      if (!p) continue;
      MapDelete(pending, reply.id);
      p.done(reply, p.gen);
    }
  }

  function arm(at: number): void {
    if (watchdog !== null) clearTimer(watchdog);
    watchdogAt = at;
    const wait = at - monotonicNow();
    watchdog = setTimer(onWatchdog, MathMax(wait, 0));
    TimeoutUnref(watchdog);
  }

  /**
   * A request is overdue when its deadline has passed AND the worker has answered nothing for a
   * whole deadline: commands queued behind a busy but progressing TA are not a stuck worker.
   */
  function onWatchdog(): void {
    watchdog = null;
    watchdogAt = Number.POSITIVE_INFINITY;
    // First what the secure world already did: replies waiting in the port, and its heartbeat.
    drain();
    const now = monotonicNow();
    const b = AtomicsLoad(beat, 0);
    if (b !== lastBeat) {
      lastBeat = b;
      lastProgress = now;
    }
    let next = Number.POSITIVE_INFINITY;
    let expired = false;
    const it = MapValues(pending);
    for (let r = MapIterNext(it); !r.done; r = MapIterNext(it)) {
      const p = r.value;
      if (p.deadline === 0) continue;
      const quiet = lastProgress + p.timeout;
      const at = MathMax(p.deadline, quiet) + WATCHDOG_GRACE_MS;
      if (at <= now + 1) expired = true;
      else if (at < next) next = at;
    }
    if (expired) {
      restart('command deadline passed; V-OS worker restarted');
      return;
    }
    if (next !== Number.POSITIVE_INFINITY) arm(next);
  }

  function failAll(why: string): void {
    // Collect the ids first: answering may re-enter call().
    const ids: number[] = [];
    const it = MapKeys(pending);
    for (let r = MapIterNext(it); !r.done; r = MapIterNext(it)) ids[ids.length] = r.value;
    for (let i = 0; i < ids.length; i++) {
      const k = ids[i]!;
      const p = MapGet(pending, k)!;
      MapDelete(pending, k);
      p.done(dead(k, why), p.gen);
    }
  }

  function boot(): Promise<void> {
    const req = new MessageChannelCtor();
    const rep = new MessageChannelCtor();
    beat = new Int32ArrayCtor(new SharedArrayBufferCtor(4));
    lastBeat = 0;
    const data: WorkerBootData = {
      ...options.boot,
      heartbeat: beat,
      requestPort: req.port2,
      replyPort: rep.port2,
    };
    const w = new WorkerCtor(WORKER_PATH, {
      env: {},
      execArgv: EXEC_ARGV,
      argv: [],
      stdin: false,
      resourceLimits: options.resourceLimits,
      workerData: data,
      transferList: [req.port2 as unknown as MessagePort, rep.port2 as unknown as MessagePort],
      name: 'openvse-vos',
    });
    worker = w;
    requestPort = req.port1;
    replyPort = rep.port1;
    const myGen = gen;
    PortOn(req.port1, 'message', drain);
    const onGone = (why: string) => {
      if (myGen !== gen || closed) return;
      restart(why, bootedGen === myGen);
    };
    EmitterOn(w, 'error', () => onGone('worker error'));
    EmitterOn(w, 'exit', () => onGone('worker exited'));
    return new PromiseCtor<void>((resolve, reject) => {
      const timer = setTimer(() => {
        MapDelete(pending, 0);
        reject(
          new VosError(TeeResult.ERROR_COMMUNICATION, 'V-OS worker did not boot in time', TeeOrigin.COMMS),
        );
      }, options.bootTimeoutMs);
      MapSet(pending, 0, {
        deadline: 0,
        timeout: 0,
        gen: myGen,
        done: (r: Reply) => {
          clearTimer(timer);
          if (r.r === TeeResult.SUCCESS) {
            bootedGen = myGen;
            resolve();
          } else reject(new VosError(r.r, r.m ?? 'V-OS worker failed to boot', r.o as TeeOrigin));
        },
      });
    });
  }

  function restart(why: string, reboot = true): void {
    const old = worker;
    const oldPorts = [requestPort, replyPort];
    gen++;
    worker = null;
    requestPort = null;
    replyPort = null;
    failAll(why);
    for (const p of oldPorts) if (p) PortClose(p);
    if (old) void WorkerTerminate(old).catch(() => {});
    if (closed) return;
    if (!reboot) {
      readyPromise = Promise.reject(
        new VosError(TeeResult.ERROR_COMMUNICATION, 'V-OS worker failed while booting', TeeOrigin.COMMS),
      );
      readyPromise.catch(() => {});
      return;
    }
    readyPromise = boot();
    readyPromise.catch(() => {});
  }

  readyPromise = boot();
  readyPromise.catch(() => {});

  function post(req: Request, deadlineMs: number, done: (r: Reply, gen: number) => void): void {
    const port = requestPort;
    if (!port || closed) {
      done(dead(req.id, closed ? 'V-OS is shut down' : 'V-OS worker is not running'), gen);
      return;
    }
    let deadline = 0;
    if (deadlineMs > 0) {
      const now = monotonicNow();
      deadline = now + deadlineMs;
      // Nothing may be pending yet: the worker has been idle, not stuck.
      if (MapSizeOf(pending) === 0) lastProgress = now;
      const at = deadline + WATCHDOG_GRACE_MS;
      if (at < watchdogAt) arm(at);
    }
    MapSet(pending, req.id, { done, deadline, timeout: deadlineMs, gen });
    PortPostMessage(port, req);
    // postMessage cloned the parameters synchronously: wipe the host's copies (they may be key
    // material on its way to a TA) instead of leaving them to the garbage collector.
    if (req.op === Op.INVOKE && req.p !== null) {
      for (let i = 0; i < req.p.length; i++) {
        const d = req.p[i]!.d;
        if (d !== null) TypedArrayFill(d, 0);
      }
    }
  }

  function call(
    fields: DistributiveOmit<Request, 'id'>,
    deadlineMs: number,
    done: (r: Reply, gen: number) => void,
  ): void {
    const id = nextId();
    const req = { ...fields, id } as Request;
    if (requestPort) {
      post(req, deadlineMs, done);
      return;
    }
    PromiseThen(
      readyPromise,
      () => post(req, deadlineMs, done),
      (e: unknown) =>
        done(
          {
            id,
            r: e instanceof VosError ? e.result : TeeResult.ERROR_COMMUNICATION,
            o: TeeOrigin.COMMS,
            m: 'V-OS worker is not running',
          },
          gen,
        ),
    );
  }

  return {
    call,
    request: requestVia(call),
    generation: () => gen,
    ready: () => readyPromise,
    async close() {
      if (closed) return;
      const w = worker;
      if (w && requestPort) {
        // Let the secure world zero its keys and close storage before it is stopped.
        await new PromiseCtor<void>((resolve) => call({ op: Op.SHUTDOWN }, 3000, () => resolve()));
      }
      closed = true;
      gen++;
      if (watchdog !== null) clearTimer(watchdog);
      failAll('V-OS is shut down');
      for (const p of [requestPort, replyPort]) if (p) PortClose(p);
      worker = null;
      requestPort = null;
      replyPort = null;
      if (w) await WorkerTerminate(w);
    },
  };
}
