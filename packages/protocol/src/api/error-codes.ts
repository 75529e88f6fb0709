/**
 * The CBP server's HTTP error codes (docs/server-api.md "Errors"). Every error body is
 * `{ error: { code, message } }` with one of these codes; callers match on the code, never on the
 * message. Append only; never rename.
 */

/** Stable error codes of the CBP server's HTTP API. */
export const ApiErrorCode = {
  VALIDATION: 'ERR_VALIDATION',
  INVALID_JSON: 'ERR_INVALID_JSON',
  BODY_TOO_LARGE: 'ERR_BODY_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE: 'ERR_UNSUPPORTED_MEDIA_TYPE',
  NOT_FOUND: 'ERR_NOT_FOUND',
  INTERNAL: 'ERR_INTERNAL',
  CONFIG: 'ERR_CONFIG',
  KEK_INVALID: 'ERR_KEK_INVALID',
  KEY_UNWRAP: 'ERR_KEY_UNWRAP',
  KEY_MISSING: 'ERR_KEY_MISSING',
  KEY_INVALID: 'ERR_KEY_INVALID',
  PAN_INVALID: 'ERR_PAN_INVALID',
  EXPIRY_INVALID: 'ERR_EXPIRY_INVALID',
  CARD_NOT_FOUND: 'ERR_CARD_NOT_FOUND',
  CARD_STATE: 'ERR_CARD_STATE',
  CARD_DUPLICATE: 'ERR_CARD_DUPLICATE',
  TOKEN_SPACE_EXHAUSTED: 'ERR_TOKEN_SPACE_EXHAUSTED',
  DEVICE_NOT_FOUND: 'ERR_DEVICE_NOT_FOUND',
  CARD_BOUND_ELSEWHERE: 'ERR_CARD_BOUND_ELSEWHERE',
  NONCE_INVALID: 'ERR_NONCE_INVALID',
  ATTESTATION_INVALID: 'ERR_ATTESTATION_INVALID',
  ATTESTATION_CODE_HASH: 'ERR_ATTESTATION_CODE_HASH',
  ATTESTATION_LEVEL: 'ERR_ATTESTATION_LEVEL',
  ATTESTATION_KEYS: 'ERR_ATTESTATION_KEYS',
  PLATFORM_KEY_MISMATCH: 'ERR_PLATFORM_KEY_MISMATCH',
  STATEMENT_INVALID: 'ERR_STATEMENT_INVALID',
  STATEMENT_REPLAY: 'ERR_STATEMENT_REPLAY',
  STATE_COUNTER_ROLLBACK: 'ERR_STATE_COUNTER_ROLLBACK',
  REPLENISH_PROOF_INVALID: 'ERR_REPLENISH_PROOF_INVALID',
  REPLENISH_LOG_MISMATCH: 'ERR_REPLENISH_LOG_MISMATCH',
  REPLENISH_STALE: 'ERR_REPLENISH_STALE',
  IDEMPOTENCY_CONFLICT: 'ERR_IDEMPOTENCY_CONFLICT',
  CHIP_DATA_INVALID: 'ERR_CHIP_DATA_INVALID',
  /** Threat report / heartbeat: signature (pinned platform key), kid, typ, deviceId, iat, shape. */
  THREAT_REPORT_INVALID: 'ERR_THREAT_REPORT_INVALID',
  /** Threat report / heartbeat: seq not above the last one accepted for the device. */
  THREAT_REPORT_REPLAY: 'ERR_THREAT_REPORT_REPLAY',
  /** Reaction policy refused (unknown reaction, severity, empty rules). */
  POLICY_INVALID: 'ERR_POLICY_INVALID',
  /** The fraud engine asks for step-up (provisioning / replenishment). */
  RISK_STEP_UP: 'ERR_RISK_STEP_UP',
  /** The fraud engine declines (provisioning / replenishment). */
  RISK_DECLINED: 'ERR_RISK_DECLINED',
  /** The route needs credentials and the request carried none that verify (401). */
  UNAUTHENTICATED: 'ERR_UNAUTHENTICATED',
  /** The caller is authenticated but its class may not use the route (403). */
  FORBIDDEN: 'ERR_FORBIDDEN',
  /** Provisioning: no activation code, or one that is wrong, expired or used (403). */
  ACTIVATION_CODE_INVALID: 'ERR_ACTIVATION_CODE_INVALID',
  /** The request line or URL cannot be parsed (bad percent-encoding, malformed HTTP) (400). */
  BAD_REQUEST: 'ERR_BAD_REQUEST',
  /** A path parameter is longer than any the API accepts (414). */
  URI_TOO_LONG: 'ERR_URI_TOO_LONG',
  /** The request headers are larger than the server reads (431). */
  HEADERS_TOO_LARGE: 'ERR_HEADERS_TOO_LARGE',
  /** The request did not arrive in time (408). */
  REQUEST_TIMEOUT: 'ERR_REQUEST_TIMEOUT',
  /** A state-changing request by an operator session without its CSRF token, or cross-origin (403). */
  CSRF: 'ERR_CSRF',
  /** No fleet policy change with that id (404). */
  POLICY_CHANGE_NOT_FOUND: 'ERR_POLICY_CHANGE_NOT_FOUND',
  /** The policy change is not pending: approved, expired, or the policy changed since (409). */
  POLICY_CHANGE_STATE: 'ERR_POLICY_CHANGE_STATE',
  /** A security admin may not approve a policy change they proposed (403). */
  POLICY_SELF_APPROVAL: 'ERR_POLICY_SELF_APPROVAL',
  /** Too many requests from this caller on this route within its window (429, with Retry-After). */
  RATE_LIMITED: 'ERR_RATE_LIMITED',
  /** The rate-limit store (Redis) is unreachable and the route fails closed (503). */
  RATE_LIMIT_UNAVAILABLE: 'ERR_RATE_LIMIT_UNAVAILABLE',
  /**
   * The threat-report stream (NATS JetStream) did not take the report in time: nothing was
   * accepted, retry later (503; docs/scaling.md "Threat intelligence as a stream").
   */
  STREAM_UNAVAILABLE: 'ERR_STREAM_UNAVAILABLE',
} as const;
/** One of the {@link ApiErrorCode} values. */
export type ApiErrorCode = (typeof ApiErrorCode)[keyof typeof ApiErrorCode];

/** The JSON error body every route answers with. */
export interface ErrorBody {
  error: { code: string; message: string };
}
