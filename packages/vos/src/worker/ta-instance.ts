/**
 * One running TA: its own SES Compartment, its entry points, its key table and its sessions.
 * Follows OP-TEE's user TA lifecycle (tee_ta_manager.c; GP TEE Internal Core API v1.3 §4.9):
 * TA_CreateEntryPoint once, TA_OpenSessionEntryPoint / TA_InvokeCommandEntryPoint /
 * TA_CloseSessionEntryPoint per session, TA_DestroyEntryPoint when the last session closes.
 * A TA is single-instance and multi-session: every call into it is queued, so commands to one
 * TA run one at a time even when they await storage (GP "the Trusted OS serialises entry point
 * calls" for a TA that is not multi-threaded).
 *
 * The code is a script that declares the entry points as top-level functions; it is evaluated
 * inside a function wrapper in a fresh Compartment whose only globals are the hardened syscalls
 * of syscalls/index.ts. A TA that throws fails that command (its TeeError code, or
 * TEE_ERROR_GENERIC), origin TRUSTED_APP; V-OS carries on.
 */

import { TeeOrigin, TeeResult } from '@openvse/protocol';
import type { WireParam } from '../gp/params.js';
import { KeyTable } from '../keys/key-table.js';
import type { TaContext } from '../syscalls/context.js';
import { buildEndowments } from '../syscalls/index.js';
import { fromTaParams, hasOutputs, toTaParams, wireIsValid } from './ta-params.js';
import { TeeError } from './tee-error.js';

type EntryPoints = {
  create?: () => unknown;
  destroy?: () => unknown;
  open?: (params: unknown, types: number) => unknown;
  invoke?: (session: unknown, cmd: number, params: unknown, types: number) => unknown;
  close?: (session: unknown) => unknown;
};

export type CallOutcome = { r: number; o: number; p?: WireParam[] };

const WRAP_HEAD = '(function () {\n';
const WRAP_TAIL = `
;return {
  create: typeof TA_CreateEntryPoint === 'function' ? TA_CreateEntryPoint : undefined,
  destroy: typeof TA_DestroyEntryPoint === 'function' ? TA_DestroyEntryPoint : undefined,
  open: typeof TA_OpenSessionEntryPoint === 'function' ? TA_OpenSessionEntryPoint : undefined,
  invoke: typeof TA_InvokeCommandEntryPoint === 'function' ? TA_InvokeCommandEntryPoint : undefined,
  close: typeof TA_CloseSessionEntryPoint === 'function' ? TA_CloseSessionEntryPoint : undefined,
};
})()`;

function isU32(v: unknown): v is number {
  return typeof v === 'number' && v >= 0 && v <= 0xffffffff && v % 1 === 0;
}

/** The result code a TA meant by throwing `e`. */
export function thrownCode(e: unknown): number {
  if (e instanceof TeeError) return e.code || TeeResult.ERROR_GENERIC;
  try {
    if (typeof e === 'object' && e !== null) {
      const d = Object.getOwnPropertyDescriptor(e, 'code');
      const code = d && 'value' in d ? d.value : undefined;
      if (isU32(code) && code !== 0) return code;
    }
  } catch {
    // a hostile proxy: fall through
  }
  return TeeResult.ERROR_GENERIC;
}

/** A TA's return value as a result code: undefined/0 → SUCCESS, a u32 → itself. */
function returnedCode(v: unknown): number {
  if (v === undefined || v === null) return TeeResult.SUCCESS;
  return isU32(v) ? v : TeeResult.ERROR_BAD_FORMAT;
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (
    (typeof v === 'object' || typeof v === 'function') &&
    v !== null &&
    typeof (v as { then?: unknown }).then === 'function'
  );
}

/** The command's outcome with its output parameters read back from what the TA left. */
function finish(wire: WireParam[] | null, params: unknown, r: number): CallOutcome {
  if (r !== TeeResult.SUCCESS && r !== TeeResult.ERROR_SHORT_BUFFER) return { r, o: TeeOrigin.TRUSTED_APP };
  if (wire === null || !hasOutputs(wire)) return { r, o: TeeOrigin.TRUSTED_APP };
  const back = fromTaParams(wire, params);
  return { r: r === TeeResult.SUCCESS ? back.r : r, o: TeeOrigin.TRUSTED_APP, p: back.out };
}

export class TaInstance {
  readonly uuid: string;
  readonly keys: KeyTable;
  readonly #entry: EntryPoints;
  readonly #sessions = new Map<number, unknown>();
  #busy = false;
  readonly #waiting: Array<() => void> = [];
  #destroyed = false;

  readonly #timeoutMs: number;
  readonly #life: { revoked: boolean };

  private constructor(
    uuid: string,
    keys: KeyTable,
    entry: EntryPoints,
    timeoutMs: number,
    life: { revoked: boolean },
  ) {
    this.uuid = uuid;
    this.keys = keys;
    this.#entry = entry;
    this.#timeoutMs = timeoutMs;
    this.#life = life;
  }

  /**
   * Waits for a TA's promise, at most the TA's deadline. A promise that has not settled by then
   * ends the instance (GP panic: TEE_ERROR_TARGET_DEAD, origin TEE, for this and every later call
   * on its sessions) without stopping the worker, so other TAs keep running. A TA blocking the
   * thread (a synchronous loop) cannot be stopped this way: the host's watchdog restarts the
   * worker for that (host/worker-link.ts).
   */
  #withDeadline<T>(
    v: PromiseLike<T>,
  ): Promise<{ ok: true; value: T } | { ok: false; error: unknown } | null> {
    return new Promise((resolve) => {
      let settled = false;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        this.#panic();
        resolve(null);
      }, this.#timeoutMs);
      Promise.resolve(v).then(
        (value) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({ ok: true, value });
        },
        (error: unknown) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({ ok: false, error });
        },
      );
    });
  }

  /** Ends the instance at once: syscalls revoked, keys zeroed, sessions dead. */
  #panic(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#life.revoked = true;
    this.#sessions.clear();
    this.keys.close();
  }

  /** Evaluates the TA in a fresh compartment and runs TA_CreateEntryPoint. */
  static async create(
    ctx: Omit<TaContext, 'keys' | 'revoked'>,
    code: string,
    firstHandle: number,
    timeoutMs: number,
  ): Promise<TaInstance | CallOutcome> {
    const keys = new KeyTable(firstHandle);
    const life = { revoked: false };
    const full: TaContext = { ...ctx, keys, revoked: () => life.revoked };
    let entry: EntryPoints;
    try {
      const compartment = new Compartment({
        __options__: true,
        name: `ta:${ctx.uuid}`,
        globals: buildEndowments(full),
      });
      const got = compartment.evaluate(WRAP_HEAD + code + WRAP_TAIL) as Record<string, unknown>;
      entry = {};
      for (const k of ['create', 'destroy', 'open', 'invoke', 'close'] as const) {
        const d = Object.getOwnPropertyDescriptor(got, k);
        if (d && typeof d.value === 'function') entry[k] = d.value as never;
      }
    } catch (e) {
      keys.close();
      // SES refuses e.g. the text `import(` anywhere in the source, comments included.
      ctx.log(`TA code could not be evaluated: ${e instanceof Error ? e.message.slice(0, 200) : 'error'}`);
      return { r: TeeResult.ERROR_BAD_FORMAT, o: TeeOrigin.TRUSTED_APP };
    }
    if (!entry.invoke) {
      keys.close();
      return { r: TeeResult.ERROR_BAD_FORMAT, o: TeeOrigin.TRUSTED_APP };
    }
    const inst = new TaInstance(ctx.uuid, keys, entry, timeoutMs, life);
    if (entry.create) {
      const r = await inst.#call(() => entry.create!());
      if (r !== TeeResult.SUCCESS) {
        keys.close();
        return { r, o: TeeOrigin.TRUSTED_APP };
      }
    }
    return inst;
  }

  get sessionCount(): number {
    return this.#sessions.size;
  }

  get destroyed(): boolean {
    return this.#destroyed;
  }

  /**
   * Runs `fn` after every earlier call into this TA has finished. When the TA is idle and `fn`
   * completes synchronously, so does this (no promise on the hot path).
   */
  #run<T>(fn: () => T | Promise<T>): T | Promise<T> {
    if (this.#busy) {
      return new Promise<T>((resolve, reject) => {
        this.#waiting.push(() => {
          try {
            const r = this.#run(fn);
            if (r instanceof Promise) r.then(resolve, reject);
            else resolve(r);
          } catch (e) {
            reject(e);
          }
        });
      });
    }
    this.#busy = true;
    let r: T | Promise<T>;
    try {
      r = fn();
    } catch (e) {
      this.#release();
      throw e;
    }
    if (r instanceof Promise) {
      return r.then(
        (v) => {
          this.#release();
          return v;
        },
        (e: unknown) => {
          this.#release();
          throw e;
        },
      );
    }
    this.#release();
    return r;
  }

  #release(): void {
    this.#busy = false;
    const next = this.#waiting.shift();
    if (next) queueMicrotask(next);
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    return Promise.resolve(this.#run(fn));
  }

  /** Calls an entry point and maps its outcome to a result code. */
  async #call(fn: () => unknown, onValue?: (v: unknown) => void): Promise<number> {
    try {
      let v = fn();
      if (isThenable(v)) {
        const got = await this.#withDeadline(v);
        if (got === null) return TeeResult.ERROR_TARGET_DEAD;
        if (!got.ok) throw got.error;
        v = got.value;
      }
      if (onValue) {
        onValue(v);
        return TeeResult.SUCCESS;
      }
      return returnedCode(v);
    } catch (e) {
      return thrownCode(e);
    }
  }

  open(sid: number): Promise<CallOutcome> {
    return this.#serial(async () => {
      if (this.#destroyed) return { r: TeeResult.ERROR_TARGET_DEAD, o: TeeOrigin.TEE };
      const open = this.#entry.open;
      let ctx: unknown;
      if (open) {
        const { params, types } = toTaParams(null);
        const r = await this.#call(
          () => open(params, types),
          (v) => {
            ctx = v;
          },
        );
        if (r !== TeeResult.SUCCESS) return { r, o: this.#destroyed ? TeeOrigin.TEE : TeeOrigin.TRUSTED_APP };
      }
      this.#sessions.set(sid, ctx);
      return { r: TeeResult.SUCCESS, o: TeeOrigin.TRUSTED_APP };
    });
  }

  invoke(sid: number, cmd: number, wire: WireParam[] | null): CallOutcome | Promise<CallOutcome> {
    return this.#run(() => this.#invokeNow(sid, cmd, wire));
  }

  #invokeNow(sid: number, cmd: number, wire: WireParam[] | null): CallOutcome | Promise<CallOutcome> {
    if (this.#destroyed) return { r: TeeResult.ERROR_TARGET_DEAD, o: TeeOrigin.TEE };
    if (!this.#sessions.has(sid)) return { r: TeeResult.ERROR_BAD_STATE, o: TeeOrigin.TEE };
    if (!wireIsValid(wire)) return { r: TeeResult.ERROR_BAD_PARAMETERS, o: TeeOrigin.COMMS };
    const ctx = this.#sessions.get(sid);
    const { params, types } = toTaParams(wire);
    let v: unknown;
    try {
      v = this.#entry.invoke!(ctx, cmd, params, types);
    } catch (e) {
      return { r: thrownCode(e), o: TeeOrigin.TRUSTED_APP };
    }
    if (isThenable(v)) {
      return this.#withDeadline(v).then((got) => {
        if (got === null) return { r: TeeResult.ERROR_TARGET_DEAD, o: TeeOrigin.TEE };
        if (!got.ok) return { r: thrownCode(got.error), o: TeeOrigin.TRUSTED_APP };
        return finish(wire, params, returnedCode(got.value));
      });
    }
    return finish(wire, params, returnedCode(v));
  }

  /** Closes a session; destroys the instance (zeroing its keys) when it was the last one. */
  close(sid: number): Promise<CallOutcome> {
    return this.#serial(async () => {
      if (!this.#sessions.has(sid)) return { r: TeeResult.ERROR_BAD_STATE, o: TeeOrigin.TEE };
      const ctx = this.#sessions.get(sid);
      this.#sessions.delete(sid);
      const close = this.#entry.close;
      if (close && !this.#destroyed) await this.#call(() => close(ctx));
      if (this.#sessions.size === 0) await this.#destroyNow();
      return { r: TeeResult.SUCCESS, o: TeeOrigin.TEE };
    });
  }

  /** Ends the instance (reinstall, shutdown): sessions die, keys are zeroed. */
  destroy(): Promise<void> {
    return this.#serial(() => this.#destroyNow());
  }

  async #destroyNow(): Promise<void> {
    if (this.#destroyed) return;
    this.#destroyed = true;
    const destroy = this.#entry.destroy;
    if (destroy) await this.#call(() => destroy());
    this.#sessions.clear();
    this.keys.close();
  }

  hasSession(sid: number): boolean {
    return this.#sessions.has(sid);
  }
}
