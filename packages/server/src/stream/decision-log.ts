/**
 * One structured log line per business decision (docs/server-api.md "Logs"): every event this
 * instance publishes — an authorization decided, a fraud decision, an enrollment accepted or
 * refused (with the attested TA code hash and level), a threat report stored, a verdict flipped —
 * is also logged at `info`, as `{ decision: <the event> }` with the event's type as the message.
 * Events carry ids, codes, reasons, hashes and levels, never a PAN, a cryptogram, a key or a
 * threat's evidence (stream/events.ts), so neither does the log. Only what this instance
 * publishes: with NATS, the other instances' events are theirs to log.
 */
import type { EventBus } from './event-bus.js';

/** The `info` side of a logger (fastify's / pino's). */
export interface InfoLog {
  info(obj: object, msg: string): void;
}

/** `bus`, with every event published through it also logged at `info`. */
export function withDecisionLog(bus: EventBus, log: InfoLog): EventBus {
  return {
    transport: bus.transport,
    publish(event) {
      try {
        log.info({ decision: event }, event.type);
      } catch {
        // a logger failure must not touch the decision
      }
      bus.publish(event);
    },
    subscribe: (listener) => bus.subscribe(listener),
    close: () => bus.close(),
  };
}
