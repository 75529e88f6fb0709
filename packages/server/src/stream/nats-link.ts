/**
 * One NATS connection per server instance and the JetStream resources it needs (docs/scaling.md
 * "Threat intelligence as a stream": stream and consumer configuration, what happens on broker
 * loss). Opening connects (a start-up error when NATS cannot be reached: the server does not start
 * half-wired), then makes sure the report stream, the event stream and one durable pull consumer
 * per partition exist with the configured settings (created if absent, updated when a setting
 * changed; several instances doing this at once converge). Afterwards the client reconnects for
 * ever; the link tells whether it is connected now, and whom to call on each reconnect.
 */
import {
  AckPolicy,
  type ConsumerConfig,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  type StreamConfig as JsStreamConfig,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import { connect, type NatsConnection, nanos } from '@nats-io/transport-node';
import { ApiErrorCode } from '@openvse/protocol';
import { ServerError } from '../errors.js';
import type { ResolvedStreamConfig } from './config.js';
import type { WarnLog } from './event-bus.js';
import { type StreamNames, streamNames } from './subjects.js';

/** Largest report message the stream takes, bytes (a report is bounded far below: report.ts). */
const MAX_REPORT_BYTES = 512 * 1024;
/** How long the event stream keeps events. */
const EVENT_MAX_AGE_MS = 24 * 3_600_000;
/** Most events the event stream keeps (oldest dropped first). */
const EVENT_MAX_MSGS = 1_000_000;

/** A logger with info and warn (fastify's / pino's). */
export interface LinkLog extends WarnLog {
  info(obj: object, msg: string): void;
}

const notFound = (e: unknown, code: number) => e instanceof JetStreamApiError && e.code === code;

/** The report stream's configuration. */
export function reportStreamConfig(
  c: ResolvedStreamConfig,
  n: StreamNames,
): Partial<JsStreamConfig> & { name: string } {
  return {
    name: n.reportStream,
    subjects: [n.reportSubjects],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_age: nanos(c.maxAgeHours * 3_600_000),
    duplicate_window: nanos(c.duplicateWindowSeconds * 1000),
    max_msg_size: MAX_REPORT_BYTES,
    num_replicas: c.replicas,
  };
}

/** The event stream's configuration. */
export function eventStreamConfig(
  c: ResolvedStreamConfig,
  n: StreamNames,
): Partial<JsStreamConfig> & { name: string } {
  return {
    name: n.eventStream,
    subjects: [n.eventSubjects],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_age: nanos(EVENT_MAX_AGE_MS),
    max_msgs: EVENT_MAX_MSGS,
    duplicate_window: nanos(Math.min(c.duplicateWindowSeconds * 1000, EVENT_MAX_AGE_MS)),
    num_replicas: c.replicas,
  };
}

/**
 * Reports asked for per pull request and the most stored in one transaction
 * (stream/report-consumer.ts); also each partition consumer's max_ack_pending: at most this many
 * reports delivered and not yet acknowledged.
 */
export const PULL_BATCH = 256;

/**
 * Partition `p`'s durable pull consumer: explicit acks, up to {@link PULL_BATCH} reports in
 * flight (the store takes them idempotently and in any order, so redeliveries and reports
 * stored out of order are counted once), every report from the start of the stream, redelivered
 * without limit until acknowledged.
 */
export function partitionConsumerConfig(
  c: ResolvedStreamConfig,
  n: StreamNames,
  p: number,
): Partial<ConsumerConfig> {
  return {
    durable_name: n.durable(p),
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(c.ackWaitSeconds * 1000),
    max_ack_pending: PULL_BATCH,
    deliver_policy: DeliverPolicy.All,
    filter_subject: n.partitionFilter(p),
    max_deliver: -1,
  };
}

/** The NATS connection of one instance, with JetStream. */
export class NatsLink {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly config: ResolvedStreamConfig;
  readonly names: StreamNames;
  readonly #log: LinkLog;
  readonly #onReconnect = new Set<() => void>();
  #connected = true;

  private constructor(nc: NatsConnection, jsm: JetStreamManager, config: ResolvedStreamConfig, log: LinkLog) {
    this.nc = nc;
    this.jsm = jsm;
    this.js = jetstream(nc, { timeout: config.publishTimeoutMs });
    this.config = config;
    this.names = streamNames(config);
    this.#log = log;
    void this.#watch();
  }

  /** Connects and sets the streams and consumers up; ERR_STREAM_UNAVAILABLE when NATS cannot be reached. */
  static async open(config: ResolvedStreamConfig, log: LinkLog): Promise<NatsLink> {
    let nc: NatsConnection;
    try {
      nc = await connect({
        servers: config.servers,
        name: 'openvse-server',
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        timeout: Math.max(config.publishTimeoutMs, 2000),
        ...(config.token !== undefined ? { token: config.token } : {}),
        ...(config.user !== undefined ? { user: config.user, pass: config.pass } : {}),
      });
    } catch (e) {
      throw new ServerError(
        ApiErrorCode.STREAM_UNAVAILABLE,
        `stream: cannot connect to NATS at ${config.servers.join(', ')} (${(e as Error).message})`,
      );
    }
    try {
      const jsm = await jetstreamManager(nc, { timeout: Math.max(config.publishTimeoutMs, 5000) });
      const link = new NatsLink(nc, jsm, config, log);
      await link.#ensureStream(reportStreamConfig(config, link.names));
      await link.#ensureStream(eventStreamConfig(config, link.names));
      for (let p = 0; p < config.partitions; p++)
        await link.#ensureConsumer(partitionConsumerConfig(config, link.names, p));
      return link;
    } catch (e) {
      await nc.close().catch(() => undefined);
      if (e instanceof ServerError) throw e;
      throw new ServerError(
        ApiErrorCode.STREAM_UNAVAILABLE,
        `stream: cannot set up JetStream (${(e as Error).message})`,
      );
    }
  }

  /** True while the connection is up (publishes then go out at once). */
  get connected(): boolean {
    return this.#connected && !this.nc.isClosed();
  }

  /** Calls `f` after each reconnect; returns the function that stops it. */
  onReconnect(f: () => void): () => void {
    this.#onReconnect.add(f);
    return () => this.#onReconnect.delete(f);
  }

  async #watch(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type === 'disconnect') {
        this.#connected = false;
        this.#log.warn({ server: s.server }, 'stream: NATS connection lost, reconnecting');
      } else if (s.type === 'reconnect') {
        this.#connected = true;
        this.#log.info({ server: s.server }, 'stream: NATS connection back');
        for (const f of [...this.#onReconnect]) f();
      }
    }
  }

  async #ensureStream(cfg: Partial<JsStreamConfig> & { name: string }): Promise<void> {
    const name = cfg.name;
    try {
      const info = await this.jsm.streams.info(name);
      const c = info.config;
      if (
        c.subjects.join() !== cfg.subjects!.join() ||
        c.max_age !== cfg.max_age ||
        c.duplicate_window !== cfg.duplicate_window ||
        c.num_replicas !== cfg.num_replicas
      )
        await this.jsm.streams.update(name, cfg);
    } catch (e) {
      if (!notFound(e, JetStreamApiCodes.StreamNotFound)) throw e;
      try {
        await this.jsm.streams.add(cfg);
      } catch (again) {
        // another instance created it meanwhile
        await this.jsm.streams.info(name).catch(() => {
          throw again;
        });
      }
    }
  }

  async #ensureConsumer(cfg: Partial<ConsumerConfig>): Promise<void> {
    const stream = this.names.reportStream;
    const name = cfg.durable_name!;
    try {
      const c = (await this.jsm.consumers.info(stream, name)).config;
      if (
        c.ack_wait !== cfg.ack_wait ||
        c.max_ack_pending !== cfg.max_ack_pending ||
        c.filter_subject !== cfg.filter_subject
      )
        await this.jsm.consumers.update(stream, name, {
          ack_wait: cfg.ack_wait!,
          max_ack_pending: cfg.max_ack_pending!,
          filter_subject: cfg.filter_subject!,
        });
    } catch (e) {
      if (!notFound(e, JetStreamApiCodes.ConsumerNotFound)) throw e;
      try {
        await this.jsm.consumers.add(stream, cfg);
      } catch (again) {
        await this.jsm.consumers.info(stream, name).catch(() => {
          throw again;
        });
      }
    }
  }

  /** Flushes what is buffered, then closes the connection. */
  async close(): Promise<void> {
    if (this.nc.isClosed()) return;
    await this.nc.drain().catch(() => this.nc.close());
  }
}
