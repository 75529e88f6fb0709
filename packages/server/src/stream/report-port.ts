/**
 * The report-stream port (docs/scaling.md "Threat intelligence as a stream"): where the receiving
 * instance hands a verified threat report when reports are streamed. Present in the services only
 * with NATS (report-publisher.ts); without it the report is stored by the request itself
 * (threats/ingest.ts), as it always was.
 */
import type { AcceptedReport } from '../threats/plan.js';

/** `accepted`: the stream holds it now; `duplicate`: the stream already held this (device, seq). */
export type ReportPublishResult = 'accepted' | 'duplicate';

/** Publishes verified reports durably. */
export interface ReportPublisher {
  /**
   * Resolves once the stream has stored the report (its ack), or said it is a duplicate of one it
   * holds; ServerError ERR_STREAM_UNAVAILABLE (503) when the stream did not answer in time.
   */
  publishReport(report: AcceptedReport): Promise<ReportPublishResult>;
}
