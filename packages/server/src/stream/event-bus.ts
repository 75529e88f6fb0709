/**
 * The event-bus port (docs/scaling.md "Threat intelligence as a stream", "Events"): what the
 * server publishes its events to and what the dashboard's event stream listens to. Two adapters:
 * in-process (in-process-bus.ts, the default) and NATS (nats-bus.ts), where every instance sees
 * every instance's events. Publishing is fire-and-forget: it never throws and never waits (a
 * bounded queue; what does not fit is dropped with a warning), so no decision ever fails or
 * slows down because of it.
 */
import type { ServerEvent } from './events.js';

/** Receives events; a listener that throws is logged, never breaks the bus. */
export type EventListener = (event: ServerEvent) => void;

/** Where fire-and-forget events go (what the fraud engine is given). */
export interface EventSink {
  /** Queues the event; never throws, never waits. */
  publish(event: ServerEvent): void;
}

/** The event bus of one server instance. */
export interface EventBus extends EventSink {
  /** `in-process` or `nats`. */
  readonly transport: 'in-process' | 'nats';
  /** Listens to every event (of every instance, with NATS); returns the unsubscribe function. */
  subscribe(listener: EventListener): () => void;
  /** Delivers what is queued (as far as the transport allows), then stops. */
  close(): Promise<void>;
}

/** The warning side of a logger (fastify's / pino's `warn`). */
export interface WarnLog {
  warn(obj: object, msg: string): void;
}

/** Calls `warn` at most once per `everyMs` per key (a broker outage must not flood the log). */
export function throttledWarn(
  log: WarnLog,
  everyMs = 10_000,
): (key: string, obj: object, msg: string) => void {
  const last = new Map<string, number>();
  return (key, obj, msg) => {
    const now = Date.now();
    if (now - (last.get(key) ?? -Infinity) < everyMs) return;
    last.set(key, now);
    try {
      log.warn(obj, msg);
    } catch {
      // a logger failure is not the bus's
    }
  };
}
