/**
 * The wallet's client of the CBP server (docs/server-api.md "Routes"): enrollment challenge
 * and enrollment, provisioning, the message outbox, replenishment and state sync, and the
 * V-Guard routes (threat reports, heartbeats, risk, policy: docs/cbp-protocol.md §6). Plain
 * `fetch` against a base URL (no dependency); any `fetch`-compatible function can be injected.
 * A network failure is SERVER_UNREACHABLE (the caller may queue and retry); an error body is
 * SERVER_REFUSED with the server's stable code.
 */
import { SdkError, SdkErrorCode } from '../errors.js';
import type { JsonWebKey } from '../provider/credentials-provider.js';

export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;

export interface ServerMessage {
  seq: number;
  typ: string;
  cardId?: string | null;
  message: string;
  expiresAt?: number;
}

export interface Challenge {
  nonce: string;
  expiresAt: number;
  serverSigningJwk: JsonWebKey;
  serverKid: string;
}

export interface EnrollResult {
  deviceId: string;
  protectionLevel: string;
  serverSigningJwk: JsonWebKey;
  serverKid: string;
  lastSeq: number;
}

export interface SyncResult {
  deviceId: string;
  stateCounter: string;
  lastSeq: number;
  pendingMessages: number;
  cards: unknown[];
}

/** An active threat in the server's risk view, with the reaction its policy gives it. */
export interface RiskThreat {
  class: string;
  code: string;
  severity: 'low' | 'medium' | 'high' | 'critical';
  reaction: 'report' | 'block_payments' | 'wipe_keys' | 'stop_app';
  detectedAt: string;
}

/** GET /v1/devices/:deviceId/risk (docs/fraud-engine.md "Device risk state"). */
export interface RiskView {
  deviceId: string;
  state: 'clean' | 'suspicious' | 'compromised';
  silent: boolean;
  activeThreats: RiskThreat[];
  lastReportSeq: number;
  lastReportAt: number | null;
  lastHeartbeatAt: number | null;
  lastSeenAt: number | null;
  seqGaps: number;
  reports: number;
}

/** The answer to a threat report or heartbeat (docs/cbp-protocol.md §6). */
export interface ThreatReportResult {
  deviceId: string;
  seq: number;
  typ: 'threat-report' | 'heartbeat';
  gap: number;
  risk: RiskView;
  policyMessageSeq: number | null;
}

/** GET /v1/policy: the reaction policy (version 0 = the server's built-in default). */
export interface ReactionPolicyView {
  version: number;
  heartbeatSeconds: number;
  rules: { code: string; minSeverity?: RiskThreat['severity']; reaction: RiskThreat['reaction'] }[];
}

export interface ServerClientOptions {
  baseUrl: string;
  fetch?: FetchLike;
  /** Per-request timeout, ms (default 10000). */
  timeoutMs?: number;
}

export class ServerClient {
  readonly baseUrl: string;
  private readonly fetchFn: FetchLike;
  private readonly timeoutMs: number;

  constructor(opts: ServerClientOptions) {
    if (typeof opts?.baseUrl !== 'string' || !/^https?:\/\//.test(opts.baseUrl))
      throw new SdkError(SdkErrorCode.BAD_ARGUMENT, 'ServerClient: baseUrl must be an http(s) URL');
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.fetchFn = opts.fetch ?? ((u, i) => fetch(u, i));
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  private async request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await this.fetchFn(`${this.baseUrl}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      throw new SdkError(SdkErrorCode.SERVER_UNREACHABLE, `${method} ${path}: server unreachable`, {
        cause: e,
      });
    }
    let json: unknown;
    try {
      json = await res.json();
    } catch (e) {
      throw new SdkError(SdkErrorCode.SERVER_UNREACHABLE, `${method} ${path}: unreadable answer`, {
        result: res.status,
        cause: e,
      });
    }
    if (!res.ok) {
      const err = (json as { error?: { code?: string; message?: string } })?.error;
      // 5xx is the server's trouble, not a refusal of this request: retryable like a network error.
      const code = res.status >= 500 ? SdkErrorCode.SERVER_UNREACHABLE : SdkErrorCode.SERVER_REFUSED;
      throw new SdkError(
        code,
        `${method} ${path}: ${res.status} ${err?.code ?? ''} ${err?.message ?? ''}`.trim(),
        {
          result: res.status,
          ...(err?.code ? { serverCode: err.code } : {}),
        },
      );
    }
    return json as T;
  }

  challenge(): Promise<Challenge> {
    return this.request('POST', '/v1/devices/challenge', {});
  }

  enroll(attestation: string, platformJwk: JsonWebKey): Promise<EnrollResult> {
    return this.request('POST', '/v1/devices', { attestation, platformJwk });
  }

  provision(deviceId: string, cardId: string): Promise<{ cardId?: string; messages: ServerMessage[] }> {
    return this.request(
      'POST',
      `/v1/devices/${encodeURIComponent(deviceId)}/cards/${encodeURIComponent(cardId)}/provision`,
      {},
    );
  }

  messages(deviceId: string, after: number, limit = 100): Promise<{ messages: ServerMessage[] }> {
    return this.request(
      'GET',
      `/v1/devices/${encodeURIComponent(deviceId)}/messages?after=${after}&limit=${limit}`,
    );
  }

  replenish(deviceId: string, statement: string): Promise<{ cardId?: string; messages: ServerMessage[] }> {
    return this.request('POST', `/v1/devices/${encodeURIComponent(deviceId)}/replenish`, { statement });
  }

  sync(deviceId: string, statement: string): Promise<SyncResult> {
    return this.request('POST', `/v1/devices/${encodeURIComponent(deviceId)}/sync`, { statement });
  }

  /** A V-Guard threat report signed by V-OS (POST /v1/devices/:deviceId/threats). */
  threatReport(deviceId: string, report: string): Promise<ThreatReportResult> {
    return this.request('POST', `/v1/devices/${encodeURIComponent(deviceId)}/threats`, { report });
  }

  /** A heartbeat signed by V-OS (POST /v1/devices/:deviceId/heartbeat). */
  heartbeat(deviceId: string, report: string): Promise<ThreatReportResult> {
    return this.request('POST', `/v1/devices/${encodeURIComponent(deviceId)}/heartbeat`, { report });
  }

  /** The device's risk state as the server sees it. */
  risk(deviceId: string): Promise<RiskView> {
    return this.request('GET', `/v1/devices/${encodeURIComponent(deviceId)}/risk`);
  }

  /** The current reaction policy. */
  policy(): Promise<ReactionPolicyView> {
    return this.request('GET', '/v1/policy');
  }
}
