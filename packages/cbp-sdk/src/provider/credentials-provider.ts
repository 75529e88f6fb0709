/**
 * The SDK's credentials provider (docs/cbp-protocol.md §5): the one seam between the wallet's
 * business logic and whatever holds the payment keys. `VosProvider` invokes the CBP TA inside
 * V-OS; `SoftwareProvider` runs the same core with keys in plain process memory (the
 * unprotected baseline). The HCE service and the WalletSdk only ever see this interface.
 */

import type { JsonWebKey } from 'node:crypto';
import { type PublicEcJwk, ReasonCode, type PublicCard as TaPublicCard } from '@openvse/protocol';

export type { JsonWebKey };

const REASON_NAMES = new Map<number, string>(Object.entries(ReasonCode).map(([k, v]) => [v, k]));
/** `LUK_MAX_TRANSACTIONS` for 3 (protocol's ReasonCode names); `REASON_<n>` for a code it does not know. */
export function reasonName(code: number): string {
  return REASON_NAMES.get(code) ?? `REASON_${code}`;
}

/** The members of CARD_INFO's answer that the SDK takes from the TA's signed status instead. */
type CredentialState = 'mobilePin' | 'state' | 'atc' | 'credentialsLeft' | 'replenishDue';

/**
 * A card's public data as the SDK reads CARD_INFO's answer: protocol's `PublicCard` (the
 * provisioned profile without keys, and its credential state), read from JSON that crossed the
 * V-OS boundary, so the credential-state members are optional (the signed status is the source
 * the wallet trusts for them) and extra members are tolerated.
 */
export type PublicCard = Omit<TaPublicCard, CredentialState> &
  Partial<Pick<TaPublicCard, CredentialState>> & {
    [extra: string]: unknown;
  };

/**
 * ENROLL's input (docs/cbp-protocol.md §4): the server's challenge nonce and its signing key, as
 * the challenge route gives it (protocol's PublicEcJwk) or as any JWK.
 */
export interface EnrollInput {
  nonce: string;
  serverSigningJwk: PublicEcJwk | JsonWebKey;
}

/** What GPO_V / GENAC_M answer (docs/cbp-protocol.md §4: value out a, b and the elements). */
export interface CardOperationResult {
  /** Reason code (ReasonCode). */
  reason: number;
  /** ATC of the cryptogram (or the current ATC when none was made). */
  atc: number;
  /** BER-TLV data elements, not wrapped in 77. Empty for CDCVM_REQUIRED. */
  elements: Uint8Array;
}

/**
 * The credentials provider: one method per CBP TA command (docs/cbp-protocol.md §4–§5). The HCE
 * service and the WalletSdk only ever see this interface.
 */
export interface CredentialsProvider {
  /** ENROLL: the attestation JWS carrying the TA's enc and sig public keys. */
  enroll(req: EnrollInput): Promise<string>;
  /** PROCESS_MESSAGE: relays one compact JWE from the server. */
  processServerMessage(jwe: string): Promise<{ typ: string; cardId?: string; seq: number }>;
  gpoV(cardId: string, pdolData: Uint8Array): Promise<CardOperationResult>;
  generateAcM(
    cardId: string,
    p1: number,
    cdol1Data: Uint8Array,
    mobilePin?: string,
  ): Promise<CardOperationResult>;
  /** STATUS: the TA's signed status statement (JWS) bound to `nonce`. */
  status(nonce: string): Promise<string>;
  /** REPLENISH_REQUEST: the TA's signed replenishment request (JWS). */
  replenishRequest(cardId: string): Promise<string>;
  cardInfo(): Promise<PublicCard[]>;
  wipe(cardId: string | '*'): Promise<void>;
  /**
   * CDCVM (docs/cdcvm.md): the cardholder typed the card's mobile PIN. The TA holds it for the
   * card's next payment only and mixes it into that cryptogram's key; the issuer checks it. A
   * card without a mobile PIN refuses (ERR_NO_MOBILE_PIN).
   */
  verifyCardholder(cardId: string, mobilePin: string): Promise<void>;
  /** Drops every held cardholder verification (e.g. the phone was locked). */
  forgetCardholderVerification(): Promise<void>;
  /** The public JWK that verifies this provider's attestations (V-OS platform identity). */
  platformPublicJwk(): Promise<JsonWebKey>;
  /**
   * A device request proof for the CBP server (docs/cbp-protocol.md §7), signed by the platform
   * identity pinned at enrollment: method, request target (path and query) and the SHA-256 of the
   * body bytes. ServerClient's `deviceProof` option takes this.
   */
  signDeviceRequest(method: string, target: string, bodySha256: Uint8Array): Promise<string>;
  /** Releases the session / worker. */
  close(): Promise<void>;
  /** 'vos' or 'software': for reports and benchmarks only, never for decisions. */
  readonly kind: string;
}

/** Decodes a compact JWS payload (no signature check: the SDK reads its own TA's statement). */
export function decodeJwsPayload<T = Record<string, unknown>>(jws: string): T {
  const parts = jws.split('.');
  if (parts.length !== 3) throw new TypeError('not a compact JWS');
  return JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as T;
}
