/**
 * Typed server errors with stable codes (docs/server-api.md "Errors"; docs/design.md "Errors":
 * strings, stable and append-only). The codes are the one union of the HTTP API,
 * @openvse/protocol's ApiErrorCode (the token service's, the devices' and the fraud engine's
 * alike); this module adds the HTTP status each code answers with. Every HTTP error body is
 * `{ error: { code, message } }`; messages never carry key material, PANs or request values.
 */
import type { ApiErrorCode, ErrorBody } from '@openvse/protocol';

/** The HTTP status of each code; a code not listed here is a 500. */
const STATUS: Partial<Record<ApiErrorCode, number>> = {
  ERR_VALIDATION: 400,
  ERR_INVALID_JSON: 400,
  ERR_BODY_TOO_LARGE: 413,
  ERR_UNSUPPORTED_MEDIA_TYPE: 415,
  ERR_NOT_FOUND: 404,
  ERR_PAN_INVALID: 400,
  ERR_EXPIRY_INVALID: 400,
  ERR_CARD_NOT_FOUND: 404,
  ERR_DEVICE_NOT_FOUND: 404,
  ERR_CARD_STATE: 409,
  ERR_CARD_DUPLICATE: 409,
  ERR_CARD_BOUND_ELSEWHERE: 409,
  ERR_TOKEN_SPACE_EXHAUSTED: 503,
  ERR_NONCE_INVALID: 401,
  ERR_ATTESTATION_INVALID: 401,
  ERR_ATTESTATION_CODE_HASH: 403,
  ERR_ATTESTATION_LEVEL: 403,
  ERR_ATTESTATION_KEYS: 400,
  ERR_PLATFORM_KEY_MISMATCH: 403,
  ERR_STATEMENT_INVALID: 401,
  ERR_STATEMENT_REPLAY: 409,
  ERR_STATE_COUNTER_ROLLBACK: 409,
  ERR_REPLENISH_PROOF_INVALID: 401,
  ERR_REPLENISH_LOG_MISMATCH: 409,
  ERR_REPLENISH_STALE: 409,
  ERR_IDEMPOTENCY_CONFLICT: 409,
  ERR_CHIP_DATA_INVALID: 400,
  // threat intelligence and fraud (docs/fraud-engine.md)
  ERR_THREAT_REPORT_INVALID: 401,
  ERR_THREAT_REPORT_REPLAY: 409,
  ERR_POLICY_INVALID: 400,
  ERR_RISK_STEP_UP: 403,
  ERR_RISK_DECLINED: 403,
  // callers (auth/caller-checks.ts)
  ERR_UNAUTHENTICATED: 401,
  ERR_FORBIDDEN: 403,
  ERR_ACTIVATION_CODE_INVALID: 403,
  // fastify's own and connection-level errors (http/error-handler.ts)
  ERR_BAD_REQUEST: 400,
  ERR_URI_TOO_LONG: 414,
  ERR_HEADERS_TOO_LARGE: 431,
  ERR_REQUEST_TIMEOUT: 408,
  // operators (auth/operator-sessions.ts, threats/policy-approval.ts)
  ERR_CSRF: 403,
  ERR_POLICY_CHANGE_NOT_FOUND: 404,
  ERR_POLICY_CHANGE_STATE: 409,
  ERR_POLICY_SELF_APPROVAL: 403,
  // rate limits (http/rate-limit.ts)
  ERR_RATE_LIMITED: 429,
  ERR_RATE_LIMIT_UNAVAILABLE: 503,
  // the threat-report stream (stream/report-publisher.ts)
  ERR_STREAM_UNAVAILABLE: 503,
};

/** A failure the server answers with its stable code and the status of that code. */
export class ServerError extends Error {
  /** The stable code callers match on. */
  readonly code: ApiErrorCode;
  /** The HTTP status: the code's own unless given. */
  readonly statusCode: number;
  constructor(code: ApiErrorCode, message: string, statusCode?: number) {
    super(message);
    this.name = 'ServerError';
    this.code = code;
    this.statusCode = statusCode ?? STATUS[code] ?? 500;
  }
}

/** The `{ error: { code, message } }` body of an error answer. */
export function errorBody(code: ApiErrorCode, message: string): ErrorBody {
  return { error: { code, message } };
}
