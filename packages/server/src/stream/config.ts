/**
 * The `stream` field of the server's configuration (docs/scaling.md "Threat intelligence as a
 * stream"; docs/server-api.md "Running"): absent or false, everything stays in the process (the
 * default: `npm start` needs nothing more); `{ nats }` sends threat reports through a NATS
 * JetStream stream and server events through NATS subjects. Resolved once, every bad value an
 * ERR_CONFIG that names the field.
 */
import { ApiErrorCode } from '@openvse/protocol';
import { ServerError } from '../errors.js';

/** NATS JetStream settings (docs/scaling.md lists the defaults and what each one changes). */
export interface NatsStreamConfig {
  /** `nats://host:port` (or `tls://…`), one or a list of the cluster's servers. */
  servers: string | string[];
  /** Prefix of the stream and consumer names (default `OPENVSE`: stream `OPENVSE_THREAT_REPORTS`). */
  streamPrefix?: string;
  /** First token(s) of every subject (default `openvse`: `openvse.threats.reports.…`). */
  subjectPrefix?: string;
  /** Report partitions, each a durable consumer shared by the instances; a device always lands in the same one (default 8). */
  partitions?: number;
  /** How long a delivered report may stay unacknowledged before redelivery, seconds (default 30). */
  ackWaitSeconds?: number;
  /** The stream's duplicate window for `Nats-Msg-Id`, seconds (default 120). */
  duplicateWindowSeconds?: number;
  /** How long the stream keeps a report, hours (default 168: a week to replay or audit). */
  maxAgeHours?: number;
  /** Stream replicas in a JetStream cluster (default 1). */
  replicas?: number;
  /** How long an ingest waits for the stream's ack before answering 503, ms (default 2000). */
  publishTimeoutMs?: number;
  /** Whether this instance also consumes the reports (default true). */
  consume?: boolean;
  /** Most events held while NATS is unreachable; older ones are dropped (default 10 000). */
  eventQueueLimit?: number;
  /** Connection credentials, when the NATS server asks for them. */
  token?: string;
  user?: string;
  pass?: string;
}

/** `ServerConfig.stream`: where reports and events go. */
export interface StreamConfig {
  nats: NatsStreamConfig;
}

/** {@link NatsStreamConfig} with every default applied. */
export interface ResolvedStreamConfig {
  servers: string[];
  streamPrefix: string;
  subjectPrefix: string;
  partitions: number;
  ackWaitSeconds: number;
  duplicateWindowSeconds: number;
  maxAgeHours: number;
  replicas: number;
  publishTimeoutMs: number;
  consume: boolean;
  eventQueueLimit: number;
  token?: string;
  user?: string;
  pass?: string;
}

/** The defaults of {@link NatsStreamConfig}. */
export const STREAM_DEFAULTS = Object.freeze({
  streamPrefix: 'OPENVSE',
  subjectPrefix: 'openvse',
  partitions: 8,
  ackWaitSeconds: 30,
  duplicateWindowSeconds: 120,
  maxAgeHours: 168,
  replicas: 1,
  publishTimeoutMs: 2000,
  consume: true,
  eventQueueLimit: 10_000,
});

const bad = (what: string, why: string) =>
  new ServerError(ApiErrorCode.CONFIG, `stream.nats.${what}: ${why}`);

function int(v: unknown, what: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw bad(what, `expected an integer ${min}..${max}`);
  return v;
}

function optString(v: unknown, what: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length === 0 || v.length > 4096) throw bad(what, 'expected a string');
  return v;
}

/** A NATS server address: `nats://`, `tls://`, `ws://`-less host:port forms the client accepts. */
function checkServer(s: unknown): string {
  if (typeof s !== 'string' || s.trim() === '') throw bad('servers', 'expected nats://host:port');
  const v = s.trim();
  const withScheme = /^[a-z]+:\/\//i.test(v) ? v : `nats://${v}`;
  let u: URL;
  try {
    u = new URL(withScheme);
  } catch {
    throw bad('servers', 'expected nats://host:port');
  }
  if (!['nats:', 'tls:'].includes(u.protocol) || u.hostname === '')
    throw bad('servers', 'expected nats://host:port or tls://host:port');
  return v;
}

/** Applies the defaults; undefined when there is no stream (absent or false). ERR_CONFIG on bad values. */
export function resolveStreamConfig(c: StreamConfig | false | undefined): ResolvedStreamConfig | undefined {
  if (c === undefined || c === false) return undefined;
  if (typeof c !== 'object' || c === null || typeof c.nats !== 'object' || c.nats === null)
    throw new ServerError(ApiErrorCode.CONFIG, 'stream: expected { nats: { servers } } or false');
  const n = c.nats;
  const list = Array.isArray(n.servers) ? n.servers : [n.servers];
  if (list.length === 0 || list.length > 32) throw bad('servers', 'expected 1..32 servers');
  const streamPrefix = n.streamPrefix ?? STREAM_DEFAULTS.streamPrefix;
  if (typeof streamPrefix !== 'string' || !/^[A-Za-z0-9_-]{1,32}$/.test(streamPrefix))
    throw bad('streamPrefix', 'expected 1..32 of A-Z a-z 0-9 _ -');
  const subjectPrefix = n.subjectPrefix ?? STREAM_DEFAULTS.subjectPrefix;
  if (
    typeof subjectPrefix !== 'string' ||
    !/^[A-Za-z0-9_-]{1,32}(\.[A-Za-z0-9_-]{1,32}){0,3}$/.test(subjectPrefix)
  )
    throw bad('subjectPrefix', 'expected dot-separated tokens of A-Z a-z 0-9 _ -');
  if (n.consume !== undefined && typeof n.consume !== 'boolean') throw bad('consume', 'expected a boolean');
  const token = optString(n.token, 'token');
  const user = optString(n.user, 'user');
  const pass = optString(n.pass, 'pass');
  if ((user === undefined) !== (pass === undefined)) throw bad('user', 'user and pass go together');
  return {
    servers: list.map(checkServer),
    streamPrefix,
    subjectPrefix,
    partitions: int(n.partitions ?? STREAM_DEFAULTS.partitions, 'partitions', 1, 64),
    ackWaitSeconds: int(n.ackWaitSeconds ?? STREAM_DEFAULTS.ackWaitSeconds, 'ackWaitSeconds', 1, 3600),
    duplicateWindowSeconds: int(
      n.duplicateWindowSeconds ?? STREAM_DEFAULTS.duplicateWindowSeconds,
      'duplicateWindowSeconds',
      1,
      7 * 86_400,
    ),
    maxAgeHours: int(n.maxAgeHours ?? STREAM_DEFAULTS.maxAgeHours, 'maxAgeHours', 1, 24 * 365),
    replicas: int(n.replicas ?? STREAM_DEFAULTS.replicas, 'replicas', 1, 5),
    publishTimeoutMs: int(
      n.publishTimeoutMs ?? STREAM_DEFAULTS.publishTimeoutMs,
      'publishTimeoutMs',
      100,
      60_000,
    ),
    consume: n.consume ?? STREAM_DEFAULTS.consume,
    eventQueueLimit: int(
      n.eventQueueLimit ?? STREAM_DEFAULTS.eventQueueLimit,
      'eventQueueLimit',
      1,
      1_000_000,
    ),
    ...(token !== undefined ? { token } : {}),
    ...(user !== undefined ? { user } : {}),
    ...(pass !== undefined ? { pass } : {}),
  };
}
