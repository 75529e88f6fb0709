/**
 * The NATS adapter of the event-bus port (docs/scaling.md "Threat intelligence as a stream",
 * "Events"): an event is published as JSON on `<s>.events.<type>` (core NATS: no ack awaited;
 * the event stream keeps a copy for a day), and every instance subscribes to `<s>.events.>`, so
 * each instance's dashboard streams see the events of all. `publish` only queues (bounded): the
 * queue is sent after the publisher's turn while connected and held while NATS is away, the
 * oldest dropped with a (throttled) warning when it is full. An instance hears its own events
 * back from NATS: they are not also delivered locally.
 */
import type { Subscription } from '@nats-io/transport-node';
import type { EventBus, EventListener } from './event-bus.js';
import { throttledWarn } from './event-bus.js';
import { isServerEvent, type ServerEvent } from './events.js';
import type { LinkLog, NatsLink } from './nats-link.js';

/** The NATS adapter of the event bus. */
export class NatsEventBus implements EventBus {
  readonly transport = 'nats' as const;
  readonly #link: NatsLink;
  readonly #listeners = new Set<EventListener>();
  readonly #limit: number;
  readonly #warn: ReturnType<typeof throttledWarn>;
  readonly #stopReconnect: () => void;
  #queue: ServerEvent[] = [];
  #scheduled = false;
  #closed = false;
  #sub: Subscription | undefined;
  /** Events dropped because the queue was full or the connection closed. */
  dropped = 0;

  constructor(link: NatsLink, log: LinkLog) {
    this.#link = link;
    this.#limit = link.config.eventQueueLimit;
    this.#warn = throttledWarn(log);
    this.#stopReconnect = link.onReconnect(() => this.#schedule());
  }

  publish(event: ServerEvent): void {
    if (this.#closed) return;
    if (this.#queue.length >= this.#limit) {
      this.#queue.shift();
      this.dropped++;
      this.#warn(
        'full',
        { dropped: this.dropped },
        'event bus: NATS away and the queue is full, oldest event dropped',
      );
    }
    this.#queue.push(event);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled || this.#queue.length === 0) return;
    this.#scheduled = true;
    setImmediate(() => this.#drain());
  }

  #drain(): void {
    this.#scheduled = false;
    const nc = this.#link.nc;
    if (nc.isClosed()) {
      this.dropped += this.#queue.length;
      this.#queue = [];
      this.#warn('closed', { dropped: this.dropped }, 'event bus: NATS connection closed, events dropped');
      return;
    }
    // While disconnected the events stay here (bounded) and go out on reconnect.
    if (!this.#link.connected) return;
    const batch = this.#queue;
    this.#queue = [];
    for (const e of batch) {
      try {
        nc.publish(this.#link.names.eventSubject(e.type), JSON.stringify(e));
      } catch (err) {
        this.dropped++;
        this.#warn('publish', { err: String(err) }, 'event bus: publishing an event to NATS failed');
      }
    }
  }

  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener);
    if (!this.#sub && !this.#closed)
      this.#sub = this.#link.nc.subscribe(this.#link.names.eventSubjects, {
        callback: (err, msg) => {
          if (err) return;
          let e: unknown;
          try {
            e = msg.json();
          } catch {
            return;
          }
          if (!isServerEvent(e)) return;
          for (const l of [...this.#listeners]) {
            try {
              l(e);
            } catch (x) {
              this.#warn('listener', { err: String(x) }, 'event bus: a listener failed');
            }
          }
        },
      });
    return () => {
      this.#listeners.delete(listener);
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#drain();
    this.#closed = true;
    this.#stopReconnect();
    this.#listeners.clear();
    this.#sub?.unsubscribe();
    this.#sub = undefined;
  }
}
