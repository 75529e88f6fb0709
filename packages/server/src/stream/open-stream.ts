/**
 * Wiring the stream of one server instance (docs/scaling.md "Threat intelligence as a stream"):
 * without NATS configured, the in-process event bus and no report stream (reports are stored by
 * the request, as always); with NATS, one connection (nats-link.ts), the NATS event bus, the
 * report publisher, and — unless `consume: false` — the report consumer, started once the
 * services exist and stopped before the store closes.
 */
import type { Services } from '../services.js';
import type { ResolvedStreamConfig } from './config.js';
import type { EventBus } from './event-bus.js';
import { InProcessBus } from './in-process-bus.js';
import { NatsEventBus } from './nats-bus.js';
import { NatsLink } from './nats-link.js';
import { type ConsumerLog, ReportConsumer } from './report-consumer.js';
import type { ReportPublisher } from './report-port.js';
import { NatsReportPublisher } from './report-publisher.js';

/** The stream side of one instance. */
export interface StreamRuntime {
  events: EventBus;
  /** Present with NATS: where verified reports go. */
  reports?: ReportPublisher;
  /** Present with NATS and `consume` on, once started. */
  consumer?: ReportConsumer;
  /** Starts consuming (with NATS and `consume` on). */
  start(services: Services): Promise<void>;
  /** Stops consuming, flushes the events, closes the connection. */
  close(): Promise<void>;
}

/** Opens the stream side for `config.stream` (undefined: in-process). */
export async function openStream(
  config: ResolvedStreamConfig | undefined,
  log: ConsumerLog,
): Promise<StreamRuntime> {
  if (!config) {
    const events = new InProcessBus({ log });
    return { events, start: async () => undefined, close: () => events.close() };
  }
  const link = await NatsLink.open(config, log);
  const events = new NatsEventBus(link, log);
  const runtime: StreamRuntime = {
    events,
    reports: new NatsReportPublisher(link, log),
    async start(services) {
      if (!config.consume || runtime.consumer) return;
      const consumer = new ReportConsumer(link, services, log);
      runtime.consumer = consumer;
      await consumer.start();
    },
    async close() {
      await runtime.consumer?.stop();
      await events.close();
      await link.close();
    },
  };
  return runtime;
}
