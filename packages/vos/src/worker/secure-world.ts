/**
 * The secure world's start compartment: boots V-OS inside the worker and serves the host's
 * requests (the V-OS analogue of OP-TEE's core entry, thread_std_smc_entry → tee_entry_std:
 * OPEN_SESSION / INVOKE_COMMAND / CLOSE_SESSION dispatch).
 *
 * Boot: root of trust (key file or PKCS#11) → sealed store → platform identity (created at first
 * boot, kept sealed in 'vos:system') → the isolation the host measured → reload and re-verify every
 * installed TA. Core services (TA manager, storage, key manager, crypto) live here; TAs live in
 * their own compartments (ta-instance.ts). Runs after `lockdown()`: in the V-OS worker of the
 * embedded mode (entry.ts, run()), or on the main thread of the V-OS process
 * (service/inline-link.ts, serveSecureWorld()).
 */
import type { JsonWebKey } from 'node:crypto';
import { join } from 'node:path';
import { type MessagePort, workerData } from 'node:worker_threads';
import type { Isolation } from '@openvse/attestation';
import { TeeOrigin, TeeResult, VosError } from '@openvse/protocol';
// Only the light attestation modules at boot; the JOSE-based ones load on first use.
import type { PlatformIdentity } from '../attestation/index.js';
import { computeProtectionLevel } from '../attestation/protection-level.js';
import { openKeyFileRoot } from '../root-of-trust/keyfile-root.js';
import type { RootOfTrust } from '../root-of-trust/types.js';
import { SealedStore } from '../storage/sealed-store.js';
import type { StoreNamespace } from '../syscalls/context.js';
import type { TaManifest } from '../ta-package/manifest.js';
import { Op, type Reply, type Request, type VosStatus, type WorkerBootData } from './protocol.js';
import { TaManager } from './ta-manager.js';
import { loadTaRuntime } from './ta-runtime.js';

const IDENTITY_ID = 'platform-identity';
/** How often the worker beats its heartbeat when idle (ms). */
const HEARTBEAT_MS = 25;
const REPORT_SEQ_ID = 'device-report-seq';

type World = {
  boot: WorkerBootData;
  root: RootOfTrust;
  store: SealedStore;
  identity(): Promise<PlatformIdentity>;
  isolation: Isolation;
  threatFlags: Set<string>;
  tas: TaManager;
  system: StoreNamespace;
};

async function loadIdentity(system: StoreNamespace): Promise<PlatformIdentity> {
  const { PlatformIdentity } = await import('../attestation/index.js');
  const got = await system.read(IDENTITY_ID);
  if (got) {
    const text = new TextDecoder().decode(got.data);
    got.data.fill(0);
    return PlatformIdentity.fromJwk(JSON.parse(text) as JsonWebKey);
  }
  const identity = await PlatformIdentity.create();
  const blob = new TextEncoder().encode(JSON.stringify(identity.exportPrivateJwkForSealing()));
  try {
    await system.write(IDENTITY_ID, blob, { kind: 'platform-identity' });
  } finally {
    blob.fill(0);
  }
  return identity;
}

function level(w: Pick<World, 'isolation' | 'threatFlags'>): 'L0' | 'L1' | 'L2' {
  return computeProtectionLevel({ isolation: w.isolation, threatFlags: [...w.threatFlags] });
}

async function attestTa(
  w: World,
  ta: TaManifest,
  nonce: string,
  keys: Record<string, JsonWebKey>,
): Promise<string> {
  const d = w.root.describe();
  const lvl = level(w);
  const { createAttestation } = await import('../attestation/index.js');
  return createAttestation(await w.identity(), {
    vosVersion: w.boot.vosVersion,
    deviceId: d.deviceId,
    ta: { uuid: ta.uuid, codeSha256: ta.codeSha256, version: ta.version },
    protectionLevel: lvl,
    isolation: { ...w.isolation },
    rootOfTrust: { kind: d.kind, hardwareBacked: d.hardwareBacked, anchor: d.anchor },
    threatFlags: [...w.threatFlags],
    ...(Object.keys(keys).length > 0 ? { taPublicKeys: keys } : {}),
    nonce,
    stateCounter: w.store.stateCounter.toString(),
  });
}

/**
 * Signs a threat report or heartbeat (docs/cbp-protocol.md §6). The sequence number is advanced
 * in sealed storage BEFORE the statement is signed, so no two statements ever share one, even
 * across a crash.
 */
async function deviceReport(w: World, kind: 'threat-report' | 'heartbeat', scanJson: string | null) {
  const { parseScan, signDeviceReport } = await import('../attestation/device-report.js');
  if (kind !== 'threat-report' && kind !== 'heartbeat')
    throw new VosError(TeeResult.ERROR_BAD_PARAMETERS, 'report: unknown kind');
  const scan = kind === 'threat-report' ? parseScan(scanJson as string) : undefined;
  const prev = await w.system.read(REPORT_SEQ_ID);
  const seq = prev ? new DataView(prev.data.buffer, prev.data.byteOffset).getUint32(0) + 1 : 1;
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, seq);
  await w.system.write(REPORT_SEQ_ID, bytes, { kind: 'counter' });
  return signDeviceReport(await w.identity(), {
    typ: kind,
    deviceId: w.root.describe().deviceId,
    seq,
    stateCounter: w.store.stateCounter.toString(),
    ...(scan ? { scan } : {}),
  });
}

async function status(w: World): Promise<VosStatus> {
  const d = w.root.describe();
  const identity = await w.identity();
  return {
    vosVersion: w.boot.vosVersion,
    stateCounter: w.store.stateCounter,
    protectionLevel: level(w),
    isolation: { ...w.isolation },
    // The host that measured the isolation says why (service/main.ts; host/client.ts when embedded).
    isolationReasons: [],
    rootOfTrust: { kind: d.kind, hardwareBacked: d.hardwareBacked, anchor: d.anchor, deviceId: d.deviceId },
    installedTas: w.tas.installed().map(({ manifest: m }) => ({
      uuid: m.uuid,
      name: m.name,
      version: m.version,
      codeSha256: m.codeSha256,
    })),
    openSessions: w.tas.openSessions,
    threatFlags: [...w.threatFlags],
    platformKey: { jwk: { ...identity.publicJwk }, keyId: identity.keyId },
  };
}

async function boot(data: WorkerBootData): Promise<World> {
  const rc = data.rootOfTrust;
  const root =
    rc.kind === 'pkcs11'
      ? await (await import('../root-of-trust/pkcs11-root.js')).openPkcs11Root({
          module: rc.module,
          tokenLabel: rc.tokenLabel,
          pin: rc.pin,
        })
      : await openKeyFileRoot({
          dir: join(data.dataDir, 'root'),
          ...(rc.deviceIdentity !== undefined ? { deviceIdentity: rc.deviceIdentity } : {}),
        });
  let store: SealedStore;
  try {
    store = await SealedStore.open({ dir: join(data.dataDir, 'store'), root });
  } catch (e) {
    await root.close().catch(() => {});
    throw e;
  }
  const system = store.namespace('vos:system') as StoreNamespace;
  let identity: Promise<PlatformIdentity> | null = null;
  const getIdentity = () => {
    identity ??= loadIdentity(system);
    return identity;
  };
  const isolation = checkIsolation(data.isolation);
  const threatFlags = new Set<string>();
  const partial = { root, store, system, identity: getIdentity, isolation, threatFlags, boot: data } as Omit<
    World,
    'tas'
  >;
  const w = partial as World;
  w.tas = new TaManager({
    system,
    pinnedTaKeys: data.pinnedTaKeys,
    defaultTimeoutMs: data.defaultTimeoutMs,
    namespace: (name) => store.namespace(name) as StoreNamespace,
    stateCounter: () => store.stateCounter,
    protectionLevel: () => level(w),
    attest: (ta, nonce, keys) => attestTa(w, ta, nonce, keys),
    threatFlags: () => [...w.threatFlags],
    log: (uuid, line) => console.error(`[ta ${uuid.slice(0, 8)}] ${line}`),
  });
  await w.tas.loadAll();
  return w;
}

/** A clean copy of isolation evidence; anything malformed counts as embedded (L0). */
function checkIsolation(v: unknown): Isolation {
  const i = v as Partial<Isolation> | undefined;
  if (typeof i !== 'object' || i === null || (i.mode !== 'embedded' && i.mode !== 'process'))
    return { mode: 'embedded', appConfined: false, separateUser: false };
  return { mode: i.mode, appConfined: i.appConfined === true, separateUser: i.separateUser === true };
}

function errorReply(id: number, e: unknown): Reply {
  if (e instanceof VosError) return { id, r: e.result, o: e.origin, m: e.message };
  return { id, r: TeeResult.ERROR_GENERIC, o: TeeOrigin.TEE, m: 'internal error' };
}

/** Serves requests until the host terminates the worker. */
/** What the secure world needs from the thread that runs it: a way to answer, and a heartbeat. */
export type SecureWorldIo = {
  /** Delivers a reply (the boot reply has id 0). */
  send(reply: Reply): void;
  /** Called on every request taken (a watchdog reads it as progress). */
  beat(): void;
};

/** The boot data of a secure world, without the worker's transport (ports, shared heartbeat). */
export type SecureWorldBoot = Omit<WorkerBootData, 'requestPort' | 'replyPort' | 'heartbeat'>;

/**
 * Boots a secure world and returns its request handler, or null when the boot failed (the error
 * went out as the boot reply). The boot reply (id 0, SUCCESS) is sent before this resolves. It runs
 * in the V-OS worker (embedded mode: run() below) or on the V-OS process's own main thread
 * (service/inline-link.ts), always after SES `lockdown()`.
 */
export async function serveSecureWorld(
  data: SecureWorldBoot,
  io: SecureWorldIo,
): Promise<((req: Request) => void) | null> {
  const { send } = io;
  let world: World;
  try {
    world = await boot(data as WorkerBootData);
  } catch (e) {
    send(errorReply(0, e));
    return null;
  }
  const w = world;

  async function handleAsync(req: Request): Promise<Reply> {
    switch (req.op) {
      case Op.OPEN: {
        const out = await w.tas.open(req.uuid);
        return { id: req.id, ...out };
      }
      case Op.CLOSE:
        return { id: req.id, ...(await w.tas.close(req.sid)) };
      case Op.INSTALL: {
        const m = await w.tas.install(req.bundle);
        return {
          id: req.id,
          r: TeeResult.SUCCESS,
          o: TeeOrigin.TEE,
          v: { uuid: m.uuid, name: m.name, version: m.version },
        };
      }
      case Op.STATUS:
        return { id: req.id, r: TeeResult.SUCCESS, o: TeeOrigin.TEE, v: await status(w) };
      case Op.ATTEST: {
        const m = w.tas.manifest(req.uuid);
        if (!m)
          return { id: req.id, r: TeeResult.ERROR_ITEM_NOT_FOUND, o: TeeOrigin.TEE, m: 'TA not installed' };
        const jws = await attestTa(w, m, Buffer.from(req.nonce).toString('base64url'), {});
        return { id: req.id, r: TeeResult.SUCCESS, o: TeeOrigin.TEE, v: jws };
      }
      case Op.THREATS:
        for (const f of req.flags)
          if (typeof f === 'string' && f.length > 0) w.threatFlags.add(f.slice(0, 64));
        return { id: req.id, r: TeeResult.SUCCESS, o: TeeOrigin.TEE };
      case Op.REPORT:
        return {
          id: req.id,
          r: TeeResult.SUCCESS,
          o: TeeOrigin.TEE,
          v: await deviceReport(w, req.kind, req.scan),
        };
      case Op.REQUEST_PROOF: {
        const { signDeviceRequest } = await import('../attestation/device-request.js');
        const proof = await signDeviceRequest(await w.identity(), w.root.describe().deviceId, req);
        return { id: req.id, r: TeeResult.SUCCESS, o: TeeOrigin.TEE, v: proof };
      }
      case Op.ISOLATION:
        w.isolation = checkIsolation(req.isolation);
        return { id: req.id, r: TeeResult.SUCCESS, o: TeeOrigin.TEE };
      case Op.SHUTDOWN:
        await w.tas.shutdown();
        await w.store.close();
        await w.root.close();
        return { id: req.id, r: TeeResult.SUCCESS, o: TeeOrigin.TEE };
      default:
        return { id: (req as { id: number }).id, r: TeeResult.ERROR_NOT_SUPPORTED, o: TeeOrigin.TEE };
    }
  }

  const handle = (req: Request): void => {
    io.beat();
    if (req.op === Op.INVOKE) {
      // Hot path: no promise at all when the TA answers synchronously.
      const out = w.tas.invoke(req.sid, req.cmd, req.p);
      if (out instanceof Promise) {
        out.then(
          (o) => send(o.p ? { id: req.id, r: o.r, o: o.o, p: o.p } : { id: req.id, r: o.r, o: o.o }),
          (e: unknown) => send(errorReply(req.id, e)),
        );
      } else {
        send(out.p ? { id: req.id, r: out.r, o: out.o, p: out.p } : { id: req.id, r: out.r, o: out.o });
      }
      return;
    }
    handleAsync(req).then(send, (e: unknown) => send(errorReply(req.id, e)));
  };
  send({ id: 0, r: TeeResult.SUCCESS, o: TeeOrigin.TEE });
  // After the boot reply: load the crypto library and the platform identity (created at first
  // boot) in the background, so neither is on the cold-start path.
  void loadTaRuntime().catch(() => {});
  void w
    .identity()
    .catch((e: unknown) => console.error('V-OS: platform identity unavailable:', errorReply(0, e).m));
  return handle;
}

/** The V-OS worker (embedded mode): the secure world over the host's ports and shared heartbeat. */
export async function run(): Promise<void> {
  const data = workerData as WorkerBootData;
  const requests = data.requestPort as MessagePort;
  const replies = data.replyPort as MessagePort;
  const heartbeat = data.heartbeat instanceof Int32Array ? data.heartbeat : null;
  const beat = () => {
    if (heartbeat) Atomics.add(heartbeat, 0, 1);
  };
  // The watchdog judges this worker by its own progress: the beat stops only when its event loop
  // is blocked (a TA stuck in synchronous code).
  setInterval(beat, HEARTBEAT_MS).unref();
  const send = (reply: Reply) => {
    replies.postMessage(reply);
    requests.postMessage(0);
  };
  const { requestPort: _r, replyPort: _p, heartbeat: _h, ...boot } = data;
  const handle = await serveSecureWorld(boot, { send, beat });
  if (handle) requests.on('message', handle);
}
