/**
 * The wallet's offline retry timer (docs/cbp-sdk.md "WalletSdk", Replenishment): when
 * a replenishment cannot reach the CBP server, the card stays queued (WalletState.replenishQueue,
 * persisted) and one timer retries the whole queue after an exponential backoff — base × 2^n,
 * capped, n counting the failures since the queue was last emptied. One timer at a time: a new
 * schedule replaces the pending one. The timer is unref'd, so a waiting retry never keeps the
 * process alive.
 */

/** Options of a {@link RetryScheduler}. */
export interface RetrySchedulerOptions {
  /** First delay (ms, default 1000), doubled per failure. */
  baseMs?: number;
  /** Longest delay (ms, default 5 minutes). */
  maxMs?: number;
  /** Called when the timer fires (the wallet retries its queue from here). */
  onFire: () => void;
  /** Once true, `schedule` still answers the delay but sets no timer (the wallet is closed). */
  isClosed?: () => boolean;
}

/** Most failures counted: 2^30 × base is far beyond any cap already. */
const MAX_ATTEMPT = 30;

/** Exponential-backoff timer for retrying the wallet's queued replenishments. */
export class RetryScheduler {
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly onFire: () => void;
  private readonly isClosed: () => boolean;
  private timer: NodeJS.Timeout | undefined;
  private attempt = 0;

  constructor(opts: RetrySchedulerOptions) {
    this.baseMs = opts.baseMs ?? 1000;
    this.maxMs = opts.maxMs ?? 5 * 60_000;
    this.onFire = opts.onFire;
    this.isClosed = opts.isClosed ?? (() => false);
  }

  /**
   * Sets the timer: after `forceMs` when given (not counted as a failure), else after the backoff
   * delay of the failures so far, and counts one more failure. Returns the delay chosen.
   */
  schedule(forceMs?: number): number {
    const delay = forceMs ?? Math.min(this.maxMs, this.baseMs * 2 ** this.attempt);
    if (forceMs === undefined) this.attempt = Math.min(this.attempt + 1, MAX_ATTEMPT);
    if (this.isClosed()) return delay;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.onFire();
    }, delay);
    this.timer.unref();
    return delay;
  }

  /** Clears the pending timer, if any (a retry runs now, or the wallet closes). */
  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The queue is empty again: the next failure waits the base delay. */
  reset(): void {
    this.attempt = 0;
  }

  /** True while a retry is scheduled. */
  get pending(): boolean {
    return this.timer !== undefined;
  }

  /** Failures counted since the last {@link reset}. */
  get failures(): number {
    return this.attempt;
  }
}
