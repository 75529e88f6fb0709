/**
 * What every V-OS link (host/worker-link.ts: the embedded worker; host/process-link.ts: the app's
 * end of the process channel; service/inline-link.ts: the secure world on the V-OS process's own
 * thread) derives the same way: request ids, and the promise form of its `call`. A module of its
 * own so that the V-OS process's bundle does not carry the worker link.
 */

import type { Reply } from '../worker/protocol.js';
import { PromiseCtor } from './primordials.js';

/** A link's `call` (host/worker-link.ts WorkerLink). */
type Call<R> = (req: R, deadlineMs: number, done: (reply: Reply, gen: number) => void) => void;

/** Request ids for one link: 1, 2, … up to 2^31 − 1, then 1 again (ids of settled requests). */
export function requestIds(): () => number {
  let next = 1;
  return () => {
    const id = next++;
    if (next > 0x7fffffff) next = 1;
    return id;
  };
}

/** A link's `request`: its `call` as a promise that never rejects. */
export function requestVia<R>(
  call: Call<R>,
): (req: R, deadlineMs: number) => Promise<{ reply: Reply; gen: number }> {
  return (req, deadlineMs) =>
    new PromiseCtor<{ reply: Reply; gen: number }>((resolve) =>
      call(req, deadlineMs, (reply, gen) => resolve({ reply, gen })),
    );
}
