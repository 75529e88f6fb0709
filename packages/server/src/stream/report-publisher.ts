/**
 * The NATS JetStream adapter of the report-stream port (docs/scaling.md "Threat intelligence as a
 * stream": subjects, dedup window, what happens on broker loss). A verified report is published as
 * JSON on its device's subject with the header `Nats-Msg-Id: <deviceId>:<seq>`, so the broker drops
 * a second publish of the same report within the duplicate window (its ack then says `duplicate`),
 * and the publish waits for the stream's ack: only a report the stream has stored is answered 200.
 * No ack within `publishTimeoutMs` (broker down, no JetStream quorum): ERR_STREAM_UNAVAILABLE, a
 * 503 the device's V-Guard link keeps the report queued for and sends again.
 */
import { ApiErrorCode } from '@openvse/protocol';
import { ServerError } from '../errors.js';
import type { AcceptedReport } from '../threats/plan.js';
import { throttledWarn } from './event-bus.js';
import type { LinkLog, NatsLink } from './nats-link.js';
import type { ReportPublisher, ReportPublishResult } from './report-port.js';
import { reportMsgId } from './subjects.js';

/** Publishes reports to the report stream. */
export class NatsReportPublisher implements ReportPublisher {
  readonly #link: NatsLink;
  readonly #warn: ReturnType<typeof throttledWarn>;

  constructor(link: NatsLink, log: LinkLog) {
    this.#link = link;
    this.#warn = throttledWarn(log, 5000);
  }

  async publishReport(r: AcceptedReport): Promise<ReportPublishResult> {
    const n = this.#link.names;
    try {
      const ack = await this.#link.js.publish(n.reportSubject(r.deviceId), JSON.stringify(r), {
        msgID: reportMsgId(r.deviceId, r.seq),
        expect: { streamName: n.reportStream },
        timeout: this.#link.config.publishTimeoutMs,
      });
      return ack.duplicate ? 'duplicate' : 'accepted';
    } catch (e) {
      this.#warn('publish', { err: String(e) }, 'stream: a threat report could not be published');
      throw new ServerError(
        ApiErrorCode.STREAM_UNAVAILABLE,
        'threat report: the report stream is unavailable, retry later',
      );
    }
  }
}
