/**
 * The wallet's client of the CBP server (docs/server-api.md "Routes"): enrollment challenge
 * and enrollment, provisioning, the message outbox, replenishment and state sync, and the
 * V-Guard routes (threat reports, heartbeats, risk, policy: docs/cbp-protocol.md §6). Plain
 * `fetch` against a base URL (no dependency); any `fetch`-compatible function can be injected.
 * A network failure is SERVER_UNREACHABLE (the caller may queue and retry); an error body is
 * SERVER_REFUSED with the server's stable code. With `deviceProof` (the credentials provider's
 * `signDeviceRequest`), every request to a device's own routes carries a device request proof
 * over its method, target and exact body bytes (docs/cbp-protocol.md §7).
 */
import {
  type Challenge,
  DEVICE_PROOF_HEADER,
  type DeviceReportRequest,
  type EnrollResult,
  type MessagesResult,
  type ProvisionRequest,
  type ReactionPolicy,
  type RiskView,
  type StatementRequest,
  type SyncResult,
  type ThreatReportResult,
} from '@openvse/protocol';
import { SdkError, SdkErrorCode } from '../errors.js';
import type { JsonWebKey } from '../provider/credentials-provider.js';

/** A `fetch`-compatible function (the global `fetch` by default). */
export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;

/** Options of the {@link ServerClient} constructor. */
export interface ServerClientOptions {
  baseUrl: string;
  fetch?: FetchLike;
  /** Per-request timeout, ms (default 10000). */
  timeoutMs?: number;
  /**
   * Signs device request proofs (CredentialsProvider `signDeviceRequest`); without it, device
   * routes are called without proof (a server in open development mode accepts that).
   */
  deviceProof?: (method: string, target: string, bodySha256: Uint8Array) => Promise<string>;
}

/** The device's own routes: `/v1/devices/<id>/…` (not the challenge or enrollment). */
const DEVICE_ROUTE = /^\/v1\/devices\/[^/?]+\//;

/** The wallet's HTTP client of the CBP server; every route answers a type of @openvse/protocol's API. */
export class ServerClient {
  readonly baseUrl: string;
  private readonly fetchFn: FetchLike;
  private readonly timeoutMs: number;
  private readonly deviceProof: ServerClientOptions['deviceProof'];
  /** The base URL's path: a proof's target is the path the server sees. */
  private readonly basePath: string;

  constructor(opts: ServerClientOptions) {
    if (typeof opts?.baseUrl !== 'string' || !/^https?:\/\//.test(opts.baseUrl))
      throw new SdkError(SdkErrorCode.BAD_ARGUMENT, 'ServerClient: baseUrl must be an http(s) URL');
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.fetchFn = opts.fetch ?? ((u, i) => fetch(u, i));
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.deviceProof = opts.deviceProof;
    this.basePath = new URL(this.baseUrl).pathname.replace(/\/$/, '');
  }

  private async request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = text === undefined ? {} : { 'content-type': 'application/json' };
    if (this.deviceProof && DEVICE_ROUTE.test(path)) {
      // The digest covers the exact bytes sent; the target is the path the server sees.
      const bytes = new TextEncoder().encode(text ?? '');
      const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes));
      headers[DEVICE_PROOF_HEADER] = await this.deviceProof(method, `${this.basePath}${path}`, digest);
    }
    let res: Response;
    try {
      res = await this.fetchFn(`${this.baseUrl}${path}`, {
        method,
        headers,
        ...(text === undefined ? {} : { body: text }),
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

  /** POST /v1/devices/challenge: a single-use nonce and the server signing key. */
  challenge(): Promise<Challenge> {
    return this.request('POST', '/v1/devices/challenge', {});
  }

  /** POST /v1/devices: enrollment with the TA's attestation and the V-OS platform key. */
  enroll(attestation: string, platformJwk: JsonWebKey): Promise<EnrollResult> {
    return this.request('POST', '/v1/devices', { attestation, platformJwk });
  }

  /**
   * POST …/cards/:cardId/provision: the provision and credentials messages of a card, with the
   * token requestor's one-time activation code (not needed again once the card is bound here).
   */
  provision(deviceId: string, cardId: string, activationCode?: string): Promise<MessagesResult> {
    const body: ProvisionRequest = activationCode === undefined ? {} : { activationCode };
    return this.request(
      'POST',
      `/v1/devices/${encodeURIComponent(deviceId)}/cards/${encodeURIComponent(cardId)}/provision`,
      body,
    );
  }

  /** GET …/messages: the device's outbox after `after`, at most `limit` messages. */
  messages(deviceId: string, after: number, limit = 100): Promise<MessagesResult> {
    return this.request(
      'GET',
      `/v1/devices/${encodeURIComponent(deviceId)}/messages?after=${after}&limit=${limit}`,
    );
  }

  /** POST …/replenish: a TA replenishment statement; answers the new credentials messages. */
  replenish(deviceId: string, statement: string): Promise<MessagesResult> {
    const body: StatementRequest = { statement };
    return this.request('POST', `/v1/devices/${encodeURIComponent(deviceId)}/replenish`, body);
  }

  /** POST …/sync: a TA status statement over a server nonce (state sync). */
  sync(deviceId: string, statement: string): Promise<SyncResult> {
    const body: StatementRequest = { statement };
    return this.request('POST', `/v1/devices/${encodeURIComponent(deviceId)}/sync`, body);
  }

  /** A V-Guard threat report signed by V-OS (POST /v1/devices/:deviceId/threats). */
  threatReport(deviceId: string, report: string): Promise<ThreatReportResult> {
    const body: DeviceReportRequest = { report };
    return this.request('POST', `/v1/devices/${encodeURIComponent(deviceId)}/threats`, body);
  }

  /** A heartbeat signed by V-OS (POST /v1/devices/:deviceId/heartbeat). */
  heartbeat(deviceId: string, report: string): Promise<ThreatReportResult> {
    const body: DeviceReportRequest = { report };
    return this.request('POST', `/v1/devices/${encodeURIComponent(deviceId)}/heartbeat`, body);
  }

  /** The device's risk state as the server sees it. */
  risk(deviceId: string): Promise<RiskView> {
    return this.request('GET', `/v1/devices/${encodeURIComponent(deviceId)}/risk`);
  }

  /** The current reaction policy. */
  policy(): Promise<ReactionPolicy> {
    return this.request('GET', '/v1/policy');
  }
}
