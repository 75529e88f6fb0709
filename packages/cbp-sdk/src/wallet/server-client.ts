/**
 * The wallet's client of the CBP server (docs/server-api.md "Routes"): enrollment challenge
 * and enrollment, provisioning, the message outbox, replenishment and state sync. Plain
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
}
