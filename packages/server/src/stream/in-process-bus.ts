/**
 * The in-process event bus (docs/scaling.md "Threat intelligence as a stream", "Events"): the
 * default adapter of the event-bus port (event-bus.ts) when no NATS is configured. Events go to
 * this instance's listeners only (its dashboard event streams), after the publisher's turn
 * (setImmediate), from a bounded queue: when listeners fall behind, the oldest events are dropped
 * with a warning. A listener that throws is logged and skipped.
 */
import type { EventBus, EventListener, WarnLog } from './event-bus.js';
import { throttledWarn } from './event-bus.js';
import type { ServerEvent } from './events.js';

/** Events held at most before the oldest are dropped (default). */
export const DEFAULT_EVENT_QUEUE_LIMIT = 10_000;

/** The in-process adapter of the event bus. */
export class InProcessBus implements EventBus {
  readonly transport = 'in-process' as const;
  readonly #listeners = new Set<EventListener>();
  readonly #limit: number;
  readonly #warn: ReturnType<typeof throttledWarn>;
  #queue: ServerEvent[] = [];
  #scheduled = false;
  #closed = false;
  /** Events dropped because the queue was full. */
  dropped = 0;

  constructor(opts: { log?: WarnLog; limit?: number } = {}) {
    this.#limit = opts.limit ?? DEFAULT_EVENT_QUEUE_LIMIT;
    this.#warn = throttledWarn(opts.log ?? { warn: () => undefined });
  }

  publish(event: ServerEvent): void {
    if (this.#closed || this.#listeners.size === 0) return;
    if (this.#queue.length >= this.#limit) {
      this.#queue.shift();
      this.dropped++;
      this.#warn('full', { dropped: this.dropped }, 'event bus: queue full, oldest event dropped');
    }
    this.#queue.push(event);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#drain());
    }
  }

  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  #drain(): void {
    this.#scheduled = false;
    const batch = this.#queue;
    this.#queue = [];
    for (const e of batch)
      for (const l of [...this.#listeners]) {
        try {
          l(e);
        } catch (err) {
          this.#warn('listener', { err: String(err) }, 'event bus: a listener failed');
        }
      }
  }

  async close(): Promise<void> {
    if (this.#queue.length > 0) this.#drain();
    this.#closed = true;
    this.#listeners.clear();
  }
}
