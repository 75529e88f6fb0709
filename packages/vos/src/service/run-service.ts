/**
 * The V-OS process (docs/process-boundary.md): the secure world in an OS process of its own, the
 * way a real TEE is a separate world and an Android `isolatedProcess` service is a separate
 * process. The launcher (launcher/launch.ts) starts it before the app and writes its configuration
 * to its stdin; file descriptor 3 is its end of the channel to the app — an anonymous socket pair
 * only the two hold, with no address any other process could connect to.
 *
 * The secure world runs on this process's main thread, after SES lockdown (service/main.ts,
 * service/inline-link.ts); a watchdog thread ends the process if a TA blocks it past a deadline
 * (service/watchdog.ts; the launcher then starts a fresh one). This thread also measures the app
 * from outside (service/isolation.ts) and checks the app's requests before the secure world sees
 * them (service/requests.ts). Sessions get ids of this process's own, never reused.
 */
import { Socket } from 'node:net';
import { TeeOrigin, TeeResult, VosError } from '@openvse/protocol';
import { isChannelHello, readFrames, sendFrame } from '../channel/frames.js';
import { checkConfig, type VosConfig } from '../host/config.js';
import { VOS_VERSION } from '../host/version.js';
import { Op, type Reply, type Request } from '../worker/protocol.js';
import { createInlineLink } from './inline-link.js';
import { type IsolationReport, judgeAppStart, measureApp } from './isolation.js';
import { checkAppRequest } from './requests.js';
import { createWatchdog } from './watchdog.js';

/** What the launcher writes to this process's stdin. */
export type ServiceConfig = { vos: VosConfig; app: { pid: number; argv: string[] } };

const ADMIN_DEADLINE_MS = 30_000;
const INSTALL_DEADLINE_MS = 60_000;

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text;
}

function isolationOnly(r: IsolationReport) {
  return { mode: r.mode, appConfined: r.appConfined, separateUser: r.separateUser };
}

/** Runs the V-OS process (service/main.ts calls it after lockdown). */
export async function runService(): Promise<void> {
  let parsed: ServiceConfig;
  try {
    parsed = JSON.parse(await readStdin()) as ServiceConfig;
  } catch {
    console.error('openvse V-OS: no configuration on stdin');
    process.exit(2);
  }
  const cfg = checkConfig(parsed.vos);
  const app = parsed.app;
  if (!Number.isInteger(app?.pid) || !Array.isArray(app.argv)) {
    console.error('openvse V-OS: the configuration names no app process');
    process.exit(2);
  }
  const start = judgeAppStart(app.pid, app.argv);
  const measure = () => measureApp(start);
  const channel = new Socket({ fd: 3, readable: true, writable: true });
  const watchdog = createWatchdog();
  const link = createInlineLink(
    {
      dataDir: cfg.dataDir,
      pinnedTaKeys: cfg.pinnedTaKeys,
      rootOfTrust: cfg.rootOfTrust,
      vosVersion: VOS_VERSION,
      defaultTimeoutMs: cfg.commandTimeoutMs,
      isolation: isolationOnly(measure()),
    },
    watchdog,
  );
  const send = (reply: Reply) => {
    if (!channel.destroyed) sendFrame(channel, reply);
  };
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await link.close().catch(() => {});
    await watchdog.stop().catch(() => {});
    channel.destroy();
    process.exit(code);
  };
  process.on('SIGTERM', () => void stop(0));
  process.on('SIGINT', () => void stop(0));
  channel.on('close', () => void stop(0));
  channel.on('error', () => void stop(0));
  // The app speaks first (CHANNEL_HELLO, channel/frames.ts). Until it has, this process writes
  // nothing to the channel: the launcher's copy of the app's end, until it hands it over, reads
  // and would swallow it. The boot reply (id 0) answers the hello once the secure world is up.
  let boot: 'booting' | 'up' | VosError = 'booting';
  let helloSeen = false;
  let greeted = false;
  const greet = () => {
    if (!helloSeen || greeted || boot === 'booting') return;
    greeted = true;
    if (boot === 'up') {
      send({ id: 0, r: TeeResult.SUCCESS, o: TeeOrigin.TEE });
      // Off the cold-start path: the thread that ends the process if a TA blocks it.
      watchdog.start();
    } else {
      send({ id: 0, r: boot.result, o: boot.origin, m: boot.message });
      void stop(1);
    }
  };
  link.ready().then(
    () => {
      boot = 'up';
      greet();
    },
    (e: unknown) => {
      boot = e instanceof VosError ? e : new VosError(TeeResult.ERROR_COMMUNICATION, 'V-OS failed to start');
      greet();
    },
  );

  // App-visible session ids → the worker generation and session id they stand for.
  const sessions = new Map<number, { gen: number; sid: number; timeoutMs: number }>();
  let nextSid = 1;
  let lastReasons: string[] = [];
  const refresh = () => {
    const m = measure();
    lastReasons = m.reasons;
    return link.request({ op: Op.ISOLATION, isolation: isolationOnly(m) }, ADMIN_DEADLINE_MS);
  };

  async function handle(req: Request): Promise<Reply> {
    const id = req.id;
    switch (req.op) {
      case Op.OPEN: {
        const { reply, gen } = await link.request({ op: Op.OPEN, uuid: req.uuid }, cfg.commandTimeoutMs);
        if (reply.r !== TeeResult.SUCCESS || typeof reply.sid !== 'number') return { ...reply, id };
        const sid = nextSid++;
        sessions.set(sid, { gen, sid: reply.sid, timeoutMs: reply.timeoutMs ?? cfg.commandTimeoutMs });
        return {
          id,
          r: reply.r,
          o: reply.o,
          sid,
          ...(reply.timeoutMs ? { timeoutMs: reply.timeoutMs } : {}),
        };
      }
      case Op.INVOKE:
      case Op.CLOSE: {
        const s = sessions.get(req.sid);
        if (!s) return { id, r: TeeResult.ERROR_BAD_STATE, o: TeeOrigin.TEE, m: 'no such session' };
        if (s.gen !== link.generation()) {
          sessions.delete(req.sid);
          return { id, r: TeeResult.ERROR_TARGET_DEAD, o: TeeOrigin.TEE, m: 'the secure world restarted' };
        }
        if (req.op === Op.CLOSE) sessions.delete(req.sid);
        const { reply } = await link.request({ ...req, sid: s.sid }, s.timeoutMs);
        return { ...reply, id };
      }
      case Op.STATUS:
      case Op.ATTEST:
      case Op.REPORT: {
        await refresh();
        const { reply } = await link.request(req, ADMIN_DEADLINE_MS);
        if (req.op === Op.STATUS && reply.v && typeof reply.v === 'object')
          return { ...reply, id, v: { ...(reply.v as object), isolationReasons: [...lastReasons] } };
        return { ...reply, id };
      }
      case Op.INSTALL: {
        const { reply } = await link.request(req, INSTALL_DEADLINE_MS);
        return { ...reply, id };
      }
      case Op.REQUEST_PROOF:
      case Op.THREATS: {
        const { reply } = await link.request(req, ADMIN_DEADLINE_MS);
        return { ...reply, id };
      }
      case Op.SHUTDOWN:
        // The app is done with V-OS: answer, then stop (the launcher does not restart it).
        setImmediate(() => void stop(0));
        return { id, r: TeeResult.SUCCESS, o: TeeOrigin.TEE };
      default:
        return { id, r: TeeResult.ERROR_NOT_SUPPORTED, o: TeeOrigin.COMMS };
    }
  }

  readFrames(
    channel,
    (m) => {
      if (!helloSeen) {
        // Anything else first is not our app's client: say nothing and stop.
        if (!isChannelHello(m)) {
          void stop(1);
          return;
        }
        helloSeen = true;
        greet();
        return;
      }
      if (boot !== 'up') {
        const id = typeof (m as { id?: unknown })?.id === 'number' ? (m as { id: number }).id : 0;
        send({ id, r: TeeResult.ERROR_BAD_STATE, o: TeeOrigin.COMMS, m: 'V-OS is not up' });
        return;
      }
      const req = checkAppRequest(m);
      if (!req) {
        const id = typeof (m as { id?: unknown })?.id === 'number' ? (m as { id: number }).id : 0;
        send({ id, r: TeeResult.ERROR_BAD_PARAMETERS, o: TeeOrigin.COMMS, m: 'malformed request' });
        return;
      }
      handle(req).then(send, () =>
        send({ id: req.id, r: TeeResult.ERROR_GENERIC, o: TeeOrigin.COMMS, m: 'internal error' }),
      );
    },
    (why) => {
      console.error(`openvse V-OS: channel closed: ${why}`);
      void stop(1);
    },
  );
}
