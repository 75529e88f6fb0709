/**
 * Names on NATS (docs/scaling.md "Threat intelligence as a stream": subjects, stream and consumer
 * configuration): the report stream `<P>_THREAT_REPORTS` on `<s>.threats.reports.p<n>.<device
 * token>`, one durable consumer `<P>_THREATS_P<n>` per partition n, and the events on
 * `<s>.events.<type>` kept by the stream `<P>_EVENTS` (P = streamPrefix, s = subjectPrefix). A
 * device's token is a hash of its id (any device id makes a valid subject token) and its
 * partition is taken from the same hash, so a device's reports always go to one partition.
 */
import { createHash } from 'node:crypto';
import type { ResolvedStreamConfig } from './config.js';
import type { ServerEventType } from './events.js';

/** Every name the NATS adapters use, from the resolved configuration. */
export interface StreamNames {
  reportStream: string;
  /** `<s>.threats.reports.>`: the report stream's subjects. */
  reportSubjects: string;
  eventStream: string;
  /** `<s>.events.>`: the event stream's subjects, and what each instance subscribes to. */
  eventSubjects: string;
  partitions: number;
  /** The subject of one device's reports. */
  reportSubject(deviceId: string): string;
  /** The filter subject of partition `p`'s consumer. */
  partitionFilter(p: number): string;
  /** The durable name of partition `p`'s consumer. */
  durable(p: number): string;
  /** The subject of an event type. */
  eventSubject(type: ServerEventType): string;
}

/** The `Nats-Msg-Id` of a report: the broker drops a second publish of it within the window. */
export const reportMsgId = (deviceId: string, seq: number): string => `${deviceId}:${seq}`;

/** The names for a configuration. */
export function streamNames(
  c: Pick<ResolvedStreamConfig, 'streamPrefix' | 'subjectPrefix' | 'partitions'>,
): StreamNames {
  const s = c.subjectPrefix;
  return {
    reportStream: `${c.streamPrefix}_THREAT_REPORTS`,
    reportSubjects: `${s}.threats.reports.>`,
    eventStream: `${c.streamPrefix}_EVENTS`,
    eventSubjects: `${s}.events.>`,
    partitions: c.partitions,
    reportSubject(deviceId) {
      const h = createHash('sha256').update(deviceId, 'utf8').digest();
      return `${s}.threats.reports.p${h.readUInt32BE(0) % c.partitions}.${h.subarray(4, 20).toString('hex')}`;
    },
    partitionFilter: (p) => `${s}.threats.reports.p${p}.*`,
    durable: (p) => `${c.streamPrefix}_THREATS_P${p}`,
    eventSubject: (type) => `${s}.events.${type}`,
  };
}
