/**
 * V-Guard's stable error codes (append only; never rename). Detections are not errors — they are
 * threats with codes of their own (@openvse/protocol THREAT_CODES); these are for misuse of the
 * manifest tooling (docs/vguard.md "Signed app-file manifest").
 */

/** Stable error codes of @openvse/vguard. */
export const VGuardErrorCode = {
  /** A key that is not an Ed25519 key in the expected PEM form. */
  BAD_KEY: 'ERR_VGUARD_BAD_KEY',
  /** A manifest that does not have the expected shape. */
  MANIFEST_FORMAT: 'ERR_VGUARD_MANIFEST_FORMAT',
} as const;
/** One of the {@link VGuardErrorCode} values. */
export type VGuardErrorCode = (typeof VGuardErrorCode)[keyof typeof VGuardErrorCode];
