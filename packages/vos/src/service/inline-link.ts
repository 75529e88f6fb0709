/**
 * The secure world on the V-OS process's own main thread (docs/process-boundary.md "Inside the
 * V-OS process"): the same request/reply contract as the embedded mode's worker link
 * (host/worker-link.ts), without a worker. In process mode the OS process is the boundary; a
 * worker inside it would only add a thread hop to every command (the round trip doubled) and a
 * worker start to every cold start (measured: bench/vos-process).
 *
 * Deadlines: an async TA command that stalls is ended by the secure world itself at its deadline
 * (only that TA dies). A TA stuck in synchronous code blocks this thread; the watchdog thread
 * (service/watchdog.ts) sees the beat stop past a deadline and kills the process, and the launcher
 * starts a fresh one (the app's pending calls get TEE_ERROR_TARGET_DEAD when the channel closes).
 * A V-OS process runs one secure world: the generation never changes within it.
 */
import { TeeOrigin, TeeResult, VosError } from '@openvse/protocol';
import { requestIds, requestVia } from '../host/link-requests.js';
import type { WorkerLink } from '../host/worker-link.js';
import { Op, type Reply, type Request } from '../worker/protocol.js';
import { type SecureWorldBoot, serveSecureWorld } from '../worker/secure-world.js';
import type { Watchdog } from './watchdog.js';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type Pending = { done: (r: Reply, gen: number) => void; watched: boolean };

const GEN = 1;

/** A link to a secure world booted on this thread; `watchdog` learns every command's deadline. */
export function createInlineLink(boot: SecureWorldBoot, watchdog: Watchdog): WorkerLink {
  const pending = new Map<number, Pending>();
  const nextId = requestIds();
  let closed = false;
  let handle: ((req: Request) => void) | null = null;
  let booted!: { resolve: () => void; reject: (e: unknown) => void };
  const ready = new Promise<void>((resolve, reject) => {
    booted = { resolve, reject };
  });
  ready.catch(() => {});

  const send = (reply: Reply): void => {
    if (reply.id === 0) {
      // Success is settled once the handler is in place (below), so no call can come first.
      if (reply.r !== TeeResult.SUCCESS)
        booted.reject(new VosError(reply.r, reply.m ?? 'V-OS failed to boot', reply.o as TeeOrigin));
      return;
    }
    const p = pending.get(reply.id);
    if (!p) return;
    pending.delete(reply.id);
    if (p.watched) watchdog.leave(reply.id);
    p.done(reply, GEN);
  };
  serveSecureWorld(boot, { send, beat: () => watchdog.beat() }).then(
    (h) => {
      handle = h;
      if (h) booted.resolve();
    },
    (e: unknown) => booted.reject(e),
  );

  function post(req: Request, deadlineMs: number, done: (r: Reply, gen: number) => void): void {
    if (closed || !handle) {
      done({ id: req.id, r: TeeResult.ERROR_TARGET_DEAD, o: TeeOrigin.TEE, m: 'V-OS is shut down' }, GEN);
      return;
    }
    const watched = deadlineMs > 0;
    pending.set(req.id, { done, watched });
    if (watched) watchdog.enter(req.id, deadlineMs);
    handle(req);
  }

  function call(
    fields: DistributiveOmit<Request, 'id'>,
    deadlineMs: number,
    done: (r: Reply, gen: number) => void,
  ): void {
    const id = nextId();
    const req = { ...fields, id } as Request;
    if (handle) {
      post(req, deadlineMs, done);
      return;
    }
    ready.then(
      () => post(req, deadlineMs, done),
      (e: unknown) =>
        done(
          {
            id,
            r: e instanceof VosError ? e.result : TeeResult.ERROR_COMMUNICATION,
            o: TeeOrigin.COMMS,
            m: 'V-OS is not running',
          },
          GEN,
        ),
    );
  }

  return {
    call,
    request: requestVia(call),
    generation: () => GEN,
    ready: () => ready,
    async close() {
      if (closed) return;
      if (handle) await new Promise<void>((resolve) => call({ op: Op.SHUTDOWN }, 3000, () => resolve()));
      closed = true;
      for (const [id, p] of [...pending]) {
        pending.delete(id);
        if (p.watched) watchdog.leave(id);
        p.done({ id, r: TeeResult.ERROR_TARGET_DEAD, o: TeeOrigin.TEE, m: 'V-OS is shut down' }, GEN);
      }
    },
  };
}
