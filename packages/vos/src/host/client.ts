/**
 * `startVos`: the one entry point of the normal world into V-OS, shaped like the GP TEE Client
 * API v1.0 (§4.5: TEEC_InitializeContext, TEEC_OpenSession, TEEC_InvokeCommand,
 * TEEC_CloseSession, TEEC_FinalizeContext) and OP-TEE's libteec.
 *
 * The app gets ONE frozen client object whose methods close over private state: no property
 * leads to the worker, its ports, session ids or the request table. Sessions are frozen objects
 * too. `invoke` never rejects: every outcome is `{ result, origin, params }` with a GP result code
 * and return origin; the other methods reject with `VosError` (result, origin, a message that never
 * holds secret bytes).
 */

import { TeeOrigin, TeeResult, VosError } from '@openvse/protocol';
import { EMBEDDED_ISOLATION } from '../attestation/protection-level.js';
import { isRequestMethod, isRequestTarget } from '../attestation/request-target.js';
import type { VosOutParam, VosParam, WireParam } from '../gp/params.js';
import { Op, type Reply, type VosStatus } from '../worker/protocol.js';
import { type CheckedConfig, checkConfig, DEFAULT_COMMAND_TIMEOUT_MS, type VosConfig } from './config.js';
import { copyParams, outParams } from './param-copy.js';
import {
  JSONStringify,
  ObjectFreeze,
  own,
  PromiseCtor,
  PromiseResolve,
  TypedArrayLength,
  TypedArraySet,
  TypedArrayToStringTag,
} from './primordials.js';
import { createProcessLink } from './process-link.js';
import { VOS_VERSION } from './version.js';
import { createWorkerLink, type WorkerLink } from './worker-link.js';

export { VOS_VERSION } from './version.js';

/** What `session.invoke` resolves with (GP: TEEC_Result + returnOrigin + the operation's outputs). */
export type InvokeResult = { result: number; origin: number; params: VosOutParam[] };

/**
 * An open session with one TA (GP TEE Client API v1.0 TEEC_Session), frozen. `invoke` never
 * rejects: a command id that is not a u32 or a malformed parameter resolves with
 * TEE_ERROR_BAD_PARAMETERS (origin API), a closed session with TEE_ERROR_BAD_STATE, and a session
 * opened before the worker restarted with TEE_ERROR_TARGET_DEAD.
 */
export type VosSession = {
  /** The TA's UUID, lowercase. */
  readonly taUuid: string;
  /** Invokes the TA command `commandId` with up to four parameters (TEEC_InvokeCommand). */
  invoke(commandId: number, params?: VosParam[]): Promise<InvokeResult>;
  /** Closes the session (TEEC_CloseSession); closing it again does nothing. */
  close(): Promise<void>;
};

/**
 * The normal world's handle on a running V-OS (GP TEE Client API v1.0 TEEC_Context), as
 * {@link startVos} resolves it, frozen. Its methods reject with VosError (result, origin, message):
 * TEE_ERROR_BAD_PARAMETERS with origin API for bad arguments, TEE_ERROR_BAD_STATE after
 * `shutdown()`, and the secure world's result and origin when it refuses.
 */
export type VosClient = {
  /** Opens a session with the installed TA `taUuid`, a lowercase UUID (TEEC_OpenSession). */
  openSession(taUuid: string): Promise<VosSession>;
  /** Verifies a signed TA bundle against the pinned keys and installs it (sealed, version floor). */
  installTa(bundle: Uint8Array): Promise<{ uuid: string; name: string; version: string }>;
  /** Runtime version, state counter, protection level, root of trust, installed TAs, platform key. */
  status(): Promise<VosStatus>;
  /** A JWS signed by the V-OS platform identity about one TA, bound to `nonce` (8..64 bytes). */
  attest(taUuid: string, nonce: Uint8Array): Promise<string>;
  /** Adds threat flags from V-Guard; flags only accumulate until restart and lower the level. */
  reportThreats(flags: string[]): Promise<void>;
  /**
   * A threat report (with V-Guard's scan, any JSON object) or a heartbeat, signed by the platform
   * identity with a sealed, strictly increasing sequence number (docs/cbp-protocol.md §6).
   */
  signDeviceReport(kind: 'threat-report' | 'heartbeat', scan?: unknown): Promise<string>;
  /**
   * A device request proof (docs/cbp-protocol.md §7): a JWS by the platform identity over the
   * request's method, target (path and query) and the SHA-256 of its body bytes, with V-OS's
   * device id, a one-time id and the time. Rejects TEE_ERROR_BAD_PARAMETERS (origin API) for a
   * method the device routes do not use, a target that is not an origin-form path, or a digest
   * that is not 32 bytes.
   */
  signDeviceRequest(method: string, target: string, bodySha256: Uint8Array): Promise<string>;
  /** Stops the worker (TEEC_FinalizeContext); other methods then reject, a second call does nothing. */
  shutdown(): Promise<void>;
};

const INSTALL_DEADLINE_MS = 60_000;
const ADMIN_DEADLINE_MS = 30_000;
const BOOT_DEADLINE_MS = 60_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function noneParams(): VosOutParam[] {
  return outParams(undefined, null);
}

function apiResult(result: number): InvokeResult {
  return ObjectFreeze({ result, origin: TeeOrigin.API, params: noneParams() });
}

function fail(reply: Reply, what: string): VosError {
  const m = own(reply, 'm');
  return new VosError(
    reply.r,
    `${what}: ${typeof m === 'string' ? m : 'failed'}`,
    (reply.o || TeeOrigin.TEE) as TeeOrigin,
  );
}

function copyBytes(v: unknown, what: string, min: number, max: number): Uint8Array {
  if (TypedArrayToStringTag(v) !== 'Uint8Array') {
    throw new VosError(TeeResult.ERROR_BAD_PARAMETERS, `${what} must be a Uint8Array`, TeeOrigin.API);
  }
  const len = TypedArrayLength(v as Uint8Array);
  if (len < min || len > max) {
    throw new VosError(TeeResult.ERROR_BAD_PARAMETERS, `${what} must be ${min}..${max} bytes`, TeeOrigin.API);
  }
  const out = new Uint8Array(len);
  TypedArraySet(out, v as Uint8Array);
  return out;
}

function checkUuid(uuid: unknown): string {
  if (typeof uuid !== 'string' || !UUID.test(uuid)) {
    throw new VosError(TeeResult.ERROR_BAD_PARAMETERS, 'taUuid must be a lowercase UUID', TeeOrigin.API);
  }
  return uuid;
}

function makeSession(
  link: WorkerLink,
  uuid: string,
  sid: number,
  gen: number,
  timeoutMs: number,
): VosSession {
  let closed = false;
  const invoke = (commandId: number, params?: VosParam[]): Promise<InvokeResult> => {
    if (
      typeof commandId !== 'number' ||
      !(commandId >= 0 && commandId <= 0xffffffff && commandId % 1 === 0)
    ) {
      return PromiseResolve(apiResult(TeeResult.ERROR_BAD_PARAMETERS));
    }
    if (closed) return PromiseResolve(apiResult(TeeResult.ERROR_BAD_STATE));
    if (gen !== link.generation()) {
      return PromiseResolve(
        ObjectFreeze({ result: TeeResult.ERROR_TARGET_DEAD, origin: TeeOrigin.TEE, params: noneParams() }),
      );
    }
    const wire = copyParams(params);
    if (typeof wire === 'string') return PromiseResolve(apiResult(TeeResult.ERROR_BAD_PARAMETERS));
    return new PromiseCtor<InvokeResult>((resolve) =>
      link.call({ op: Op.INVOKE, sid, cmd: commandId, p: wire }, timeoutMs, (reply: Reply) =>
        resolve(
          ObjectFreeze({
            result: reply.r >>> 0,
            origin: reply.o,
            params: outParams(own(reply, 'p') as WireParam[] | undefined, wire),
          }),
        ),
      ),
    );
  };
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    if (gen !== link.generation()) return;
    await link.request({ op: Op.CLOSE, sid }, timeoutMs);
  };
  ObjectFreeze(invoke);
  ObjectFreeze(close);
  return ObjectFreeze({ taUuid: uuid, invoke, close });
}

/** Starts V-OS embedded in this process (L0): boots the secure-world worker, unseals storage, reloads installed TAs. */
export async function startVos(config: VosConfig): Promise<VosClient> {
  const cfg: CheckedConfig = checkConfig(config);
  const link = createWorkerLink({
    boot: {
      dataDir: cfg.dataDir,
      pinnedTaKeys: cfg.pinnedTaKeys,
      rootOfTrust: cfg.rootOfTrust,
      vosVersion: VOS_VERSION,
      defaultTimeoutMs: cfg.commandTimeoutMs,
      isolation: EMBEDDED_ISOLATION,
    },
    resourceLimits: cfg.resourceLimits,
    bootTimeoutMs: BOOT_DEADLINE_MS,
  });
  return clientOver(link, cfg.commandTimeoutMs);
}

/**
 * Connects to the V-OS process the openvse launcher started for this app (`openvse run`,
 * launcher/launch.ts; docs/process-boundary.md): the same GP-shaped client as {@link startVos},
 * over the channel only the two processes hold. Rejects with TEE_ERROR_COMMUNICATION when this
 * process was not started by the launcher, or with the secure world's error when it failed to boot.
 */
export async function connectVos(options: { commandTimeoutMs?: number } = {}): Promise<VosClient> {
  return clientOver(createProcessLink(), options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS);
}

/**
 * The GP-shaped client over a link to a secure world, embedded (a worker) or in its own process
 * (host/process-link.ts); waits until the secure world has booted.
 */
export async function clientOver(link: WorkerLink, commandTimeoutMs: number): Promise<VosClient> {
  const cfg = { commandTimeoutMs };
  try {
    await link.ready();
  } catch (e) {
    await link.close().catch(() => {});
    throw e instanceof VosError
      ? e
      : new VosError(TeeResult.ERROR_COMMUNICATION, 'V-OS failed to start', TeeOrigin.COMMS);
  }
  let shut = false;
  const guard = () => {
    if (shut) throw new VosError(TeeResult.ERROR_BAD_STATE, 'V-OS is shut down', TeeOrigin.API);
  };

  const client: VosClient = {
    async openSession(taUuid) {
      guard();
      const uuid = checkUuid(taUuid);
      const { reply, gen } = await link.request({ op: Op.OPEN, uuid }, cfg.commandTimeoutMs);
      if (reply.r !== TeeResult.SUCCESS) throw fail(reply, 'openSession');
      const timeout = (own(reply, 'timeoutMs') as number) || cfg.commandTimeoutMs;
      return makeSession(link, uuid, own(reply, 'sid') as number, gen, timeout);
    },
    async installTa(bundle) {
      guard();
      const bytes = copyBytes(bundle, 'bundle', 1, 16 * 1024 * 1024);
      const { reply } = await link.request({ op: Op.INSTALL, bundle: bytes }, INSTALL_DEADLINE_MS);
      if (reply.r !== TeeResult.SUCCESS) throw fail(reply, 'installTa');
      const v = own(reply, 'v') as { uuid: string; name: string; version: string };
      return ObjectFreeze({ uuid: v.uuid, name: v.name, version: v.version });
    },
    async status() {
      guard();
      const { reply } = await link.request({ op: Op.STATUS }, ADMIN_DEADLINE_MS);
      if (reply.r !== TeeResult.SUCCESS) throw fail(reply, 'status');
      const st = own(reply, 'v') as VosStatus;
      if (st.isolation.mode === 'embedded')
        st.isolationReasons = [
          "the secure world is a worker in the app's own process (embedded mode): always L0, since nothing in one process can be measured from outside the app",
        ];
      return st;
    },
    async attest(taUuid, nonce) {
      guard();
      const uuid = checkUuid(taUuid);
      const n = copyBytes(nonce, 'nonce', 8, 64);
      const { reply } = await link.request({ op: Op.ATTEST, uuid, nonce: n }, ADMIN_DEADLINE_MS);
      if (reply.r !== TeeResult.SUCCESS) throw fail(reply, 'attest');
      return own(reply, 'v') as string;
    },
    async reportThreats(flags) {
      guard();
      if (
        !Array.isArray(flags) ||
        flags.length > 64 ||
        flags.some((f) => typeof f !== 'string' || f.length > 64)
      ) {
        throw new VosError(
          TeeResult.ERROR_BAD_PARAMETERS,
          'flags must be up to 64 short strings',
          TeeOrigin.API,
        );
      }
      const { reply } = await link.request({ op: Op.THREATS, flags: [...flags] }, ADMIN_DEADLINE_MS);
      if (reply.r !== TeeResult.SUCCESS) throw fail(reply, 'reportThreats');
    },
    async signDeviceReport(kind, scan) {
      guard();
      if (kind !== 'threat-report' && kind !== 'heartbeat')
        throw new VosError(
          TeeResult.ERROR_BAD_PARAMETERS,
          'kind must be threat-report or heartbeat',
          TeeOrigin.API,
        );
      let scanJson: string | null = null;
      if (kind === 'threat-report') {
        try {
          scanJson = JSONStringify(scan) ?? null;
        } catch {
          scanJson = null;
        }
        if (typeof scanJson !== 'string' || scanJson.length > 64 * 1024 || scanJson[0] !== '{')
          throw new VosError(
            TeeResult.ERROR_BAD_PARAMETERS,
            'scan must be a JSON object up to 64 KiB',
            TeeOrigin.API,
          );
      }
      const { reply } = await link.request({ op: Op.REPORT, kind, scan: scanJson }, ADMIN_DEADLINE_MS);
      if (reply.r !== TeeResult.SUCCESS) throw fail(reply, 'signDeviceReport');
      return own(reply, 'v') as string;
    },
    async signDeviceRequest(method: string, target: string, bodySha256: Uint8Array) {
      guard();
      const digest = copyBytes(bodySha256, 'bodySha256', 32, 32);
      if (!isRequestMethod(method) || !isRequestTarget(target))
        throw new VosError(
          TeeResult.ERROR_BAD_PARAMETERS,
          'method must be an HTTP method of the device routes and target an origin-form path',
          TeeOrigin.API,
        );
      const bd = Buffer.from(digest).toString('base64url');
      const { reply } = await link.request(
        { op: Op.REQUEST_PROOF, htm: method, htu: target, bd },
        ADMIN_DEADLINE_MS,
      );
      if (reply.r !== TeeResult.SUCCESS) throw fail(reply, 'signDeviceRequest');
      return own(reply, 'v') as string;
    },
    async shutdown() {
      if (shut) return;
      shut = true;
      await link.close();
    },
  };
  for (const fn of Object.values(client)) ObjectFreeze(fn);
  return ObjectFreeze(client);
}
