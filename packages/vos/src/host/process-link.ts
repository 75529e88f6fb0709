/**
 * The app's end of the channel to a V-OS process (docs/process-boundary.md "Channel"): the same
 * link the GP-shaped client uses for the embedded worker (worker-link.ts), but over a socket the
 * launcher handed this process. The launcher keeps an IPC channel to the app for one purpose: it
 * sends the app its end of a fresh socket pair each time it starts the V-OS process — at launch,
 * and again after a V-OS crash — so a restart gives the app a new channel and a new generation:
 * sessions opened before it are dead (TEE_ERROR_TARGET_DEAD), the next call works.
 *
 * Requests wait (up to `waitMs`) while no channel is up; a channel that closes answers everything
 * pending TEE_ERROR_TARGET_DEAD, origin COMMS. The deadlines of the secure world are kept by the
 * V-OS process on its own clock; this side only gives up on an answer that never comes (twice the
 * deadline plus a margin), without declaring anything dead.
 */
import type { Socket } from 'node:net';
import { TeeOrigin, TeeResult, VosError } from '@openvse/protocol';
import { CHANNEL_HELLO, readFrames, sendFrame } from '../channel/frames.js';
import { Op, type Reply, type Request } from '../worker/protocol.js';
import { requestIds, requestVia } from './link-requests.js';
import type { WorkerLink } from './worker-link.js';

/** The IPC message the launcher sends with each new channel. */
export const CHANNEL_MESSAGE = 'openvse:vos-channel';
/** The IPC message the app sends once it listens for channels (the launcher waits for it). */
export const CHANNEL_REQUEST = 'openvse:vos-channel-request';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type Pending = {
  done: (r: Reply, gen: number) => void;
  gen: number;
  timer: ReturnType<typeof setTimeout> | null;
};

const ANSWER_MARGIN_MS = 5000;

function dead(id: number, why: string): Reply {
  return { id, r: TeeResult.ERROR_TARGET_DEAD, o: TeeOrigin.COMMS, m: why };
}

/** A link over the channels the launcher sends; rejects `ready()` when no launcher started this app. */
export function createProcessLink(options: { waitMs?: number } = {}): WorkerLink {
  const waitMs = options.waitMs ?? 15_000;
  const pending = new Map<number, Pending>();
  const waiting: Array<() => void> = [];
  let socket: Socket | null = null;
  let up = false;
  let epoch = 0;
  const nextId = requestIds();
  let closed = false;
  let firstReady: { resolve: () => void; reject: (e: unknown) => void } | null = null;
  const readyPromise = new Promise<void>((resolve, reject) => {
    firstReady = { resolve, reject };
  });
  readyPromise.catch(() => {});

  function failAll(why: string): void {
    const ids = [...pending.keys()];
    for (const id of ids) {
      const p = pending.get(id)!;
      pending.delete(id);
      if (p.timer) clearTimeout(p.timer);
      p.done(dead(id, why), p.gen);
    }
  }

  function onReply(m: unknown): void {
    const reply = m as Reply;
    if (typeof reply !== 'object' || reply === null || typeof reply.id !== 'number') return;
    if (reply.id === 0) {
      if (reply.r === TeeResult.SUCCESS) {
        up = true;
        firstReady?.resolve();
        firstReady = null;
        for (const w of waiting.splice(0)) w();
      } else {
        firstReady?.reject(new VosError(reply.r, reply.m ?? 'V-OS failed to start', reply.o as TeeOrigin));
        firstReady = null;
      }
      return;
    }
    const p = pending.get(reply.id);
    if (!p) return;
    pending.delete(reply.id);
    if (p.timer) clearTimeout(p.timer);
    p.done(reply, p.gen);
  }

  function adopt(s: Socket): void {
    if (closed) {
      s.destroy();
      return;
    }
    // Once a channel is here the IPC channel only ever brings replacements: it must not keep the
    // app alive on its own (the channel socket does, until shutdown).
    (process as unknown as { channel?: { unref(): void } }).channel?.unref();
    const old = socket;
    socket = s;
    up = false;
    epoch++;
    if (old) old.destroy();
    failAll('V-OS restarted');
    const mine = epoch;
    readFrames(s, onReply, () => s.destroy());
    // The app speaks first: the boot reply (id 0) answers this.
    sendFrame(s, CHANNEL_HELLO);
    s.on('error', () => s.destroy());
    s.on('close', () => {
      if (mine !== epoch) return;
      up = false;
      socket = null;
      // Sessions opened on this channel are dead from now on, before any new channel arrives.
      epoch++;
      failAll('the V-OS process is gone');
    });
  }

  const onMessage = (msg: unknown, handle: unknown) => {
    if ((msg as { type?: unknown })?.type === CHANNEL_MESSAGE && handle && typeof handle === 'object')
      adopt(handle as Socket);
  };
  if (typeof process.send !== 'function') {
    firstReady!.reject(
      new VosError(
        TeeResult.ERROR_COMMUNICATION,
        'this process was not started by the openvse launcher (no channel to a V-OS process)',
        TeeOrigin.COMMS,
      ),
    );
    firstReady = null;
  } else {
    process.on('message', onMessage);
    // Only now that someone listens may the launcher send a channel (a message that arrives with no
    // listener is lost).
    process.send({ type: CHANNEL_REQUEST });
  }

  function post(req: Request, deadlineMs: number, done: (r: Reply, gen: number) => void): void {
    if (closed || !socket || !up) {
      done(dead(req.id, closed ? 'V-OS is shut down' : 'no channel to V-OS'), epoch);
      return;
    }
    const timer =
      deadlineMs > 0
        ? setTimeout(
            () => {
              const p = pending.get(req.id);
              if (!p) return;
              pending.delete(req.id);
              p.done(dead(req.id, 'no answer from the V-OS process'), p.gen);
            },
            deadlineMs * 2 + ANSWER_MARGIN_MS,
          )
        : null;
    timer?.unref();
    pending.set(req.id, { done, gen: epoch, timer });
    sendFrame(socket, req);
    // The frame is encoded: wipe the caller's copies of the parameters (they may be key material).
    if ('p' in req && Array.isArray(req.p)) for (const w of req.p) w.d?.fill(0);
  }

  function call(
    fields: DistributiveOmit<Request, 'id'>,
    deadlineMs: number,
    done: (r: Reply, gen: number) => void,
  ): void {
    const id = nextId();
    const req = { ...fields, id } as Request;
    if (up || closed) {
      post(req, deadlineMs, done);
      return;
    }
    let settled = false;
    // Not unref'd: a request waiting for V-OS to come back keeps the app alive until it is answered.
    const timer = setTimeout(() => {
      settled = true;
      done(dead(id, 'no channel to V-OS'), epoch);
    }, waitMs);
    waiting.push(() => {
      if (settled) return;
      clearTimeout(timer);
      post(req, deadlineMs, done);
    });
  }

  return {
    call,
    request: requestVia(call),
    generation: () => epoch,
    ready: () => readyPromise,
    async close() {
      if (closed) return;
      if (socket && up) {
        await new Promise<void>((resolve) => call({ op: Op.SHUTDOWN }, 3000, () => resolve()));
      }
      closed = true;
      process.off('message', onMessage);
      failAll('V-OS is shut down');
      socket?.destroy();
      socket = null;
    },
  };
}
