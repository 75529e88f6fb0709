/**
 * Runs async tasks that share a key one after another, in this process (a per-key mutex).
 * Replenishment uses it per card: two statements for the same outgoing LUK must not both issue
 * and then retire each other's new LUK. Across several server instances (PostgreSQL scale-out)
 * this is not enough on its own; see docs/server-api.md.
 */
export class KeyedLock {
  readonly #tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const before = this.#tails.get(key) ?? Promise.resolve();
    const mine = before.then(task, task);
    const tail = mine.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(key, tail);
    try {
      return await mine;
    } finally {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}
