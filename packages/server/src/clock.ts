/**
 * Injectable clock (docs/design.md "Tokenization and authorization": thresholds, API = YHHHHCC
 * and message expiry all read the time, so tests substitute a fixed or stepping clock).
 */
/** Where the server reads the time. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** The wall clock. */
export const systemClock: Clock = Object.freeze({ now: () => Date.now() });

/** A clock the test moves by hand. */
export class ManualClock implements Clock {
  #t: number;
  constructor(start: number | Date = Date.UTC(2026, 10, 28, 6, 0, 0)) {
    this.#t = typeof start === 'number' ? start : start.getTime();
  }
  now(): number {
    return this.#t;
  }
  advance(ms: number): void {
    this.#t += ms;
  }
  set(t: number): void {
    this.#t = t;
  }
}
