/**
 * The V-OS process's watchdog (docs/process-boundary.md "Inside the V-OS process"): the secure
 * world runs on the process's main thread, so a TA stuck in synchronous code blocks the very
 * thread that would notice. A small thread of its own watches instead, through shared memory:
 *  - the main thread beats a counter every HEARTBEAT_MS and on every request it takes;
 *  - it tells how many commands are in flight and the earliest deadline among them.
 * The process is stuck when a deadline has passed AND the beat has not moved for STALL_MS: a
 * thread that still beats is progressing (an async command the secure world will end itself at
 * its deadline), however long it takes. Then the watchdog thread writes one line to stderr and
 * kills the process (SIGKILL: nothing on the blocked thread could run a cleaner exit); the launcher
 * starts a fresh V-OS and the app gets TEE_ERROR_TARGET_DEAD for what was pending. Storage is
 * crash-safe (docs/sealed-storage.md).
 *
 * The thread starts after the boot reply, off the cold-start path; a command already overdue when
 * it starts is judged at once.
 */
import { Worker } from 'node:worker_threads';

/** How often the main thread beats while idle (ms). */
const HEARTBEAT_MS = 25;
/** How long the beat must have stood still, past a deadline, for the process to count as stuck. */
const STALL_MS = 150;
/** How often the watchdog thread looks (ms). */
const CHECK_MS = 50;

// [0] beat counter, [1] commands in flight, [2] earliest deadline among them (ms since `epoch`)
const BEAT = 0;
const BUSY = 1;
const DEADLINE = 2;

const WATCHER = `
const { workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const { shared, epoch, stallMs, checkMs } = workerData;
let lastBeat = Atomics.load(shared, 0);
let lastMove = Date.now();
setInterval(() => {
  const now = Date.now();
  const b = Atomics.load(shared, 0);
  if (b !== lastBeat) { lastBeat = b; lastMove = now; return; }
  if (Atomics.load(shared, 1) === 0) return;
  const deadline = epoch + Atomics.load(shared, 2);
  if (now > deadline && now - lastMove >= stallMs) {
    try { writeSync(2, 'openvse V-OS: a command passed its deadline with the secure world blocked; stopping V-OS\\n'); } catch {}
    process.kill(process.pid, 'SIGKILL');
  }
}, checkMs);
`;

/** The main thread's side of the watchdog. */
export type Watchdog = {
  /** Progress (a request taken). */
  beat(): void;
  /** Command `id`, with a deadline `deadlineMs` from now, starts. */
  enter(id: number, deadlineMs: number): void;
  /** Command `id` ended. */
  leave(id: number): void;
  /** Starts the watching thread (after boot). */
  start(): void;
  stop(): Promise<void>;
};

export function createWatchdog(): Watchdog {
  const shared = new Int32Array(new SharedArrayBuffer(12));
  const epoch = Date.now();
  const ticker = setInterval(() => Atomics.add(shared, BEAT, 1), HEARTBEAT_MS);
  ticker.unref();
  let watcher: Worker | null = null;
  /** Deadlines of the commands in flight (ms since `epoch`), by command id. */
  const inFlight = new Map<number, number>();
  const publish = () => {
    let earliest = Number.POSITIVE_INFINITY;
    for (const at of inFlight.values()) if (at < earliest) earliest = at;
    // The deadline first, then the count: the watcher never pairs a count with a stale deadline.
    Atomics.store(shared, DEADLINE, earliest === Number.POSITIVE_INFINITY ? 0 : earliest);
    Atomics.store(shared, BUSY, inFlight.size);
  };
  return {
    beat: () => {
      Atomics.add(shared, BEAT, 1);
    },
    enter(id, deadlineMs) {
      inFlight.set(id, Date.now() - epoch + deadlineMs);
      publish();
    },
    leave(id) {
      if (inFlight.delete(id)) publish();
    },
    start() {
      if (watcher) return;
      watcher = new Worker(WATCHER, {
        eval: true,
        env: {},
        argv: [],
        stdin: false,
        workerData: { shared, epoch, stallMs: STALL_MS, checkMs: CHECK_MS },
        name: 'openvse-vos-watchdog',
        resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 },
      });
      watcher.unref();
    },
    async stop() {
      clearInterval(ticker);
      const w = watcher;
      watcher = null;
      if (w) await w.terminate();
    },
  };
}
