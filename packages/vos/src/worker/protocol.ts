/**
 * The message protocol between the V-OS host (normal world) and the V-OS worker (secure world),
 * the V-OS analogue of OP-TEE's OPTEE_MSG ABI (optee_msg.h: OPEN_SESSION, INVOKE_COMMAND,
 * CLOSE_SESSION, each carrying a session id, a command id and four typed parameters).
 *
 * Transport (docs/design.md "The host"): requests go host → worker on the request port; replies
 * go worker → host on a reply port that has NO listener. After posting a reply the worker sends
 * an empty wake-up message on the request port, and the host pulls replies with
 * `receiveMessageOnPort`. Anything in the normal world that hooks event dispatch therefore sees
 * only empty wake-ups.
 * Every request carries a host-chosen id and every reply echoes it, so concurrent callers each get
 * exactly their own answer. This module is types and constants only.
 */
import type { Isolation } from '@openvse/attestation';
import type { WireParam } from '../gp/params.js';

export const Op = {
  OPEN: 1,
  INVOKE: 2,
  CLOSE: 3,
  INSTALL: 4,
  STATUS: 5,
  ATTEST: 6,
  SHUTDOWN: 7,
  THREATS: 8,
  REPORT: 9,
  /** From the V-OS process's own main thread only: the app's isolation, measured again. */
  ISOLATION: 10,
  /** A device request proof signed by the platform identity (attestation/device-request.ts). */
  REQUEST_PROOF: 11,
} as const;
export type Op = (typeof Op)[keyof typeof Op];

export type RootOfTrustConfig =
  | { kind: 'keyfile'; deviceIdentity?: string }
  | { kind: 'pkcs11'; module: string; tokenLabel: string; pin: string };

/** `workerData` of the V-OS worker. */
export type WorkerBootData = {
  dataDir: string;
  pinnedTaKeys: string[];
  rootOfTrust: RootOfTrustConfig;
  vosVersion: string;
  defaultTimeoutMs: number;
  /**
   * How this secure world is isolated from the app, as measured from outside the app (the
   * embedded host passes EMBEDDED_ISOLATION; the V-OS process measures the app: service/).
   */
  isolation: Isolation;
  /** Shared counter the worker increments from its own event loop (the host's watchdog reads it). */
  heartbeat?: Int32Array;
  requestPort: unknown;
  replyPort: unknown;
};

export type Request =
  | { op: typeof Op.OPEN; id: number; uuid: string }
  /** `p` null: all four parameters are NONE (the common empty case, kept small on the wire). */
  | { op: typeof Op.INVOKE; id: number; sid: number; cmd: number; p: WireParam[] | null }
  | { op: typeof Op.CLOSE; id: number; sid: number }
  | { op: typeof Op.INSTALL; id: number; bundle: Uint8Array }
  | { op: typeof Op.STATUS; id: number }
  | { op: typeof Op.ATTEST; id: number; uuid: string; nonce: Uint8Array }
  | { op: typeof Op.THREATS; id: number; flags: string[] }
  /** A device report signed by the platform identity; `scan` is JSON (threat reports only). */
  | { op: typeof Op.REPORT; id: number; kind: 'threat-report' | 'heartbeat'; scan: string | null }
  /** `bd`: SHA-256 of the request body, base64url (43 characters). */
  | { op: typeof Op.REQUEST_PROOF; id: number; htm: string; htu: string; bd: string }
  | { op: typeof Op.SHUTDOWN; id: number }
  | { op: typeof Op.ISOLATION; id: number; isolation: Isolation };

/**
 * A reply: `r` result code, `o` return origin, `m` a message that never holds secret bytes, and
 * the operation's data (`sid`/`timeoutMs` for OPEN, `p` for INVOKE, `v` for the others).
 * id 0 is the boot reply.
 */
export type Reply = {
  id: number;
  r: number;
  o: number;
  m?: string;
  sid?: number;
  timeoutMs?: number;
  p?: WireParam[];
  v?: unknown;
};

/** What `client.status()` reports. */
export type VosStatus = {
  vosVersion: string;
  stateCounter: bigint;
  protectionLevel: 'L0' | 'L1' | 'L2';
  /** The measured isolation the level stands on. */
  isolation: Isolation;
  /** Why, for people: what was measured for each fact (not signed; the attestation has the facts). */
  isolationReasons: string[];
  rootOfTrust: { kind: string; hardwareBacked: boolean; anchor: boolean; deviceId: string };
  installedTas: Array<{ uuid: string; name: string; version: string; codeSha256: string }>;
  openSessions: number;
  threatFlags: string[];
  /** The platform identity's public key (ES256 JWK) and its RFC 7638 key id, to verify attestations. */
  platformKey: { jwk: Record<string, unknown>; keyId: string };
};
