/**
 * The report stream's consumer (docs/scaling.md "Threat intelligence as a stream": consumer
 * configuration, ack semantics, broker loss). One pull loop per partition on its durable consumer
 * (shared by every instance: same durable names, so instances share the work, and the broker
 * hands each report to one of them). Reports are stored in batches, one transaction each
 * (threats/record.ts processStreamedReports; the store is idempotent by (device, seq) and takes
 * reports in any order, so a redelivery after a crash, or a later report stored first by another
 * instance, is counted once), then acknowledged — only after the database commit. A crash before
 * the ack means a redelivery after `ackWaitSeconds`. A failure to store (database away) is a nak
 * with a delay for the whole batch; a message that is not a report is terminated (never
 * redelivered) with an error log. The client's `consume` re-pulls by itself after a reconnect or
 * a broker restart.
 */
import type { ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import type { Services } from '../services.js';
import type { AcceptedReport } from '../threats/plan.js';
import { processStreamedReports, type StreamedReportOutcome } from '../threats/record.js';
import { type LinkLog, type NatsLink, PULL_BATCH } from './nats-link.js';

/** How long a report that could not be stored waits before it is redelivered, ms. */
const RETRY_DELAY_MS = 1000;

/** Counts of what the consumer did (tests and the benchmark read them). */
export interface ConsumerStats {
  stored: number;
  replay: number;
  unknownDevice: number;
  retried: number;
  terminated: number;
}

/** A logger with error, info and warn. */
export interface ConsumerLog extends LinkLog {
  error(obj: object, msg: string): void;
}

/** True for a JSON value shaped like an {@link AcceptedReport}. */
function isAcceptedReport(v: unknown): v is AcceptedReport {
  const r = v as Partial<AcceptedReport> | null;
  return (
    typeof r === 'object' &&
    r !== null &&
    typeof r.deviceId === 'string' &&
    Number.isSafeInteger(r.seq) &&
    (r.typ === 'threat-report' || r.typ === 'heartbeat') &&
    typeof r.receivedAt === 'number' &&
    typeof r.iat === 'number'
  );
}

/** Consumes every partition of the report stream into the store. */
export class ReportConsumer {
  readonly stats: ConsumerStats = { stored: 0, replay: 0, unknownDevice: 0, retried: 0, terminated: 0 };
  readonly #link: NatsLink;
  readonly #s: Services;
  readonly #log: ConsumerLog;
  readonly #iterators: ConsumerMessages[] = [];
  readonly #loops: Promise<void>[] = [];
  #stopped = false;

  constructor(link: NatsLink, services: Services, log: ConsumerLog) {
    this.#link = link;
    this.#s = services;
    this.#log = log;
  }

  /** Starts one pull loop per partition. */
  async start(): Promise<void> {
    const n = this.#link.names;
    for (let p = 0; p < n.partitions; p++) {
      const consumer = await this.#link.js.consumers.get(n.reportStream, n.durable(p));
      const it = await consumer.consume({ max_messages: PULL_BATCH });
      this.#iterators.push(it);
      this.#loops.push(this.#loop(it));
    }
  }

  /**
   * Takes messages as the client delivers them and stores them in batches: whatever arrived
   * while the previous batch was being written goes into the next one (no timer: at low load a
   * batch is one report), at most PULL_BATCH at a time.
   */
  async #loop(it: ConsumerMessages): Promise<void> {
    const pending: JsMsg[] = [];
    let writing: Promise<void> | undefined;
    const drain = async () => {
      while (pending.length > 0) await this.#handleBatch(pending.splice(0, PULL_BATCH));
      writing = undefined;
    };
    try {
      for await (const m of it) {
        if (this.#stopped) break;
        pending.push(m);
        if (!writing) writing = new Promise<void>((r) => setImmediate(r)).then(drain);
      }
    } catch (e) {
      if (!this.#stopped) this.#log.error({ err: String(e) }, 'stream: a report consumer loop ended');
    }
    await writing;
  }

  async #handleBatch(ms: JsMsg[]): Promise<void> {
    const batch: { m: JsMsg; report: AcceptedReport }[] = [];
    for (const m of ms) {
      let r: unknown;
      try {
        r = m.json();
      } catch {
        r = undefined;
      }
      if (isAcceptedReport(r)) batch.push({ m, report: r });
      else {
        this.stats.terminated++;
        this.#log.error({ subject: m.subject, seq: m.seq }, 'stream: not a threat report, terminated');
        m.term('not a threat report');
      }
    }
    if (batch.length === 0) return;
    let outcomes: StreamedReportOutcome[];
    try {
      outcomes = await processStreamedReports(
        this.#s,
        batch.map((b) => ({ report: b.report, redelivered: b.m.redelivered })),
      );
    } catch (e) {
      this.stats.retried += batch.length;
      this.#log.warn(
        { reports: batch.length, err: String(e) },
        'stream: threat reports could not be stored, redelivering',
      );
      for (const b of batch) b.m.nak(RETRY_DELAY_MS);
      return;
    }
    batch.forEach((b, i) => {
      const outcome = outcomes[i];
      if (outcome === 'stored') this.stats.stored++;
      else if (outcome === 'replay') this.stats.replay++;
      else {
        this.stats.unknownDevice++;
        this.#log.warn(
          { deviceId: b.report.deviceId, seq: b.report.seq },
          'stream: a report of an unknown device, dropped',
        );
      }
      // Only now: the report is in the database (or was already).
      b.m.ack();
    });
  }

  /** Stops pulling; the report being stored finishes (and is acked) first. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const it of this.#iterators) it.stop();
    await Promise.allSettled(this.#loops);
  }
}
