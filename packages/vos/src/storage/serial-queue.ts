/**
 * Runs async jobs one at a time, in call order. The sealed store keeps one in-memory directory and
 * commits by rewriting it, so its operations must not interleave (GP TEE Internal Core API v1.3
 * §5.7 leaves concurrent access to one storage object to the implementation; we serialise).
 */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(job: () => Promise<T>): Promise<T> {
    const next = this.#tail.then(job, job);
    this.#tail = next.catch(() => undefined);
    return next;
  }
}
