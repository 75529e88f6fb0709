/**
 * The launcher (`openvse run`, and this library call; docs/process-boundary.md): starts the V-OS
 * process first, then the app under Node's permission model with no worker, child-process, addon
 * or WASI grant and reads limited to listed paths, and gives each its end of an anonymous socket
 * pair — the channel only the two of them hold. It then supervises: when V-OS dies while the app
 * runs it starts a new V-OS process and hands the app a fresh channel; when the app exits it
 * stops V-OS.
 *
 * The V-OS process runs without Node's permission model: from Node 23 the model disables fsync,
 * which sealed storage needs for its atomic commits, and V-OS needs workers (its secure world is a
 * worker it watches), /proc (it measures the app) and, with a PKCS#11 root, addons. What confines
 * a TA inside it is its SES compartment; what keeps the app out of it is the app's confinement and,
 * run as root with `users`, two OS users, so the kernel keeps native code in the app out of V-OS
 * (L2). Its environment is reduced to PATH (and SOFTHSM2_CONF when set).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chownSync, mkdirSync, realpathSync } from 'node:fs';
import type { Socket } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TeeOrigin, TeeResult, VosError } from '@openvse/protocol';
import { checkConfig, type VosConfig } from '../host/config.js';
import { CHANNEL_MESSAGE, CHANNEL_REQUEST } from '../host/process-link.js';
import { fsGrants, permissionFlag } from './node-flags.js';

const SERVICE = fileURLToPath(new URL('../service/main.js', import.meta.url));
const RESTARTS_PER_MINUTE = 10;

/** An OS identity to run a process as (needs root). */
export type RunAs = { uid: number; gid: number };

/** Options of {@link launch}. */
export type LaunchOptions = {
  /** The V-OS configuration (data folder, pinned TA keys, root of trust…). */
  vos: VosConfig;
  app: {
    /** The app's entry script. */
    entry: string;
    args?: string[];
    /** Directory trees the app may read (its entry's directory is always one). Never /proc. */
    readPaths?: string[];
    /** Directory trees the app may write. */
    writePaths?: string[];
    /** The app's environment (default: this process's, without NODE_OPTIONS). */
    env?: NodeJS.ProcessEnv;
    cwd?: string;
    /** false: start the app WITHOUT the permission model (it is then reported L0). Default true. */
    confine?: boolean;
    /** Extra Node options for the app (e.g. `--no-warnings`); grants here make it L0. */
    nodeOptions?: string[];
  };
  /** Run V-OS and the app as two OS users (the launcher must be root): L2. */
  users?: { vos: RunAs; app: RunAs };
  /** 'inherit' (default) or 'pipe' (the caller reads `app.stdout` / `app.stderr`). */
  stdio?: 'inherit' | 'pipe';
  /** What the launcher does, for logs. */
  onEvent?: (e: LaunchEvent) => void;
};

/** A launcher event. */
export type LaunchEvent =
  | { type: 'vos-started'; pid: number }
  | { type: 'vos-exited'; pid: number; code: number | null; signal: NodeJS.Signals | null }
  | { type: 'app-exited'; code: number | null; signal: NodeJS.Signals | null };

/** What {@link launch} returns. */
export type Launched = {
  app: ChildProcess;
  /** The current V-OS process id (undefined between a crash and its restart). */
  vosPid(): number | undefined;
  /** The app's exit. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Stops the app (SIGTERM) and V-OS. */
  stop(): Promise<void>;
};

function bad(message: string): VosError {
  return new VosError(TeeResult.ERROR_BAD_PARAMETERS, `launch: ${message}`, TeeOrigin.API);
}

/** The flags the V-OS process runs with (see the module comment for why no permission model). */
const SERVICE_FLAGS = ['--no-warnings'];

/** How long a process has to end after SIGTERM before it gets SIGKILL (a stopped or stuck one). */
const STOP_GRACE_MS = 5_000;

/** SIGTERM, then SIGKILL if the process is still there after the grace period. */
function terminate(p: ChildProcess): void {
  p.kill('SIGTERM');
  const t = setTimeout(() => p.kill('SIGKILL'), STOP_GRACE_MS);
  t.unref();
  p.once('exit', () => clearTimeout(t));
}

/** Starts V-OS and the app; see the module comment. */
export function launch(options: LaunchOptions): Launched {
  const cfg = checkConfig(options.vos);
  const a = options.app;
  if (typeof a?.entry !== 'string' || a.entry.length === 0) throw bad('app.entry must be a path');
  const entry = resolve(a.entry);
  const confine = a.confine !== false;
  const read = [dirname(realpathSync(entry)), ...(a.readPaths ?? []).map((p) => resolve(p))];
  for (const p of [...read, ...(a.writePaths ?? [])])
    if (p === '/' || p === '*' || p === '/proc' || p.startsWith('/proc/'))
      throw bad(`${p} would reach /proc`);
  const appArgv = [
    process.execPath,
    ...(confine
      ? [permissionFlag(), ...fsGrants('read', read), ...fsGrants('write', a.writePaths ?? [])]
      : []),
    ...(a.nodeOptions ?? []),
    entry,
    ...(a.args ?? []),
  ];
  const env = { ...(a.env ?? process.env) };
  delete env.NODE_OPTIONS;
  const dataDir = resolve(cfg.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (options.users) chownSync(dataDir, options.users.vos.uid, options.users.vos.gid);
  const stdio = options.stdio ?? 'inherit';
  // The secure world runs on the V-OS process's main thread: its heap limit is the process's.
  const oldGen = cfg.resourceLimits.maxOldGenerationSizeMb;
  const heapFlags = oldGen ? [`--max-old-space-size=${oldGen}`] : [];

  let vos: ChildProcess | undefined;
  let app: ChildProcess | undefined;
  let appGone = false;
  // The app's end of the newest channel, held until the app asks (it must listen first), and
  // whether it has asked (after that, each new channel goes to it at once).
  let held: Socket | null = null;
  let wanted = false;
  const handOver = () => {
    const end = held;
    if (!end || !wanted || appGone || !app) return;
    held = null;
    app.send({ type: CHANNEL_MESSAGE }, end, (err) => {
      if (err) console.error(`openvse run: could not hand the channel to the app: ${err.message}`);
      // The launcher keeps no copy of a channel it handed over.
      end.destroy();
    });
  };
  const starts: number[] = [];
  // Known once the app is spawned; the first V-OS process waits for it on its stdin.
  let serviceConfig: string | undefined;
  let unconfigured: ChildProcess | undefined;

  function startVos(): void {
    if (appGone) return;
    const now = Date.now();
    while (starts.length > 0 && now - starts[0]! > 60_000) starts.shift();
    if (starts.length >= RESTARTS_PER_MINUTE) {
      console.error('openvse run: V-OS keeps failing; not restarting it again');
      return;
    }
    starts.push(now);
    const child = spawn(process.execPath, [...SERVICE_FLAGS, ...heapFlags, SERVICE], {
      stdio: ['pipe', 'inherit', 'inherit', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        ...(process.env.SOFTHSM2_CONF ? { SOFTHSM2_CONF: process.env.SOFTHSM2_CONF } : {}),
      },
      ...(options.users ? { uid: options.users.vos.uid, gid: options.users.vos.gid } : {}),
    });
    vos = child;
    options.onEvent?.({ type: 'vos-started', pid: child.pid ?? -1 });
    if (serviceConfig) child.stdin?.end(serviceConfig);
    else unconfigured = child;
    held?.destroy();
    held = child.stdio[3] as Socket;
    handOver();
    child.once('exit', (code, signal) => {
      if (vos === child) vos = undefined;
      options.onEvent?.({ type: 'vos-exited', pid: child.pid ?? -1, code, signal });
      // A clean exit is V-OS stopping because the app closed its channel or asked it to.
      if (!appGone && (signal !== null || code !== 0)) startVos();
    });
  }

  // V-OS first (it boots while the app starts), then the app; V-OS learns which process the app
  // is from its stdin, never from the app.
  startVos();
  app = spawn(appArgv[0]!, appArgv.slice(1), {
    stdio: [stdio === 'pipe' ? 'pipe' : 'inherit', stdio, stdio, 'ipc'],
    env,
    ...(a.cwd ? { cwd: a.cwd } : {}),
    ...(options.users ? { uid: options.users.app.uid, gid: options.users.app.gid } : {}),
    serialization: 'json',
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    app.once('exit', (code, signal) => res({ code, signal })),
  );

  // The app's IPC messages are untrusted: the only one that means anything is the request.
  app.on('message', (m: unknown) => {
    if ((m as { type?: unknown })?.type !== CHANNEL_REQUEST) return;
    wanted = true;
    handOver();
  });
  serviceConfig = JSON.stringify({ vos: { ...cfg, dataDir }, app: { pid: app.pid, argv: appArgv } });
  unconfigured?.stdin?.end(serviceConfig);
  unconfigured = undefined;
  void exited.then((r) => {
    appGone = true;
    options.onEvent?.({ type: 'app-exited', ...r });
    vos?.kill('SIGTERM');
  });

  return {
    app,
    vosPid: () => vos?.pid,
    exited,
    async stop() {
      if (!appGone) terminate(app);
      await exited;
      const v = vos;
      if (v && v.exitCode === null && v.signalCode === null) {
        await new Promise<void>((res) => {
          v.once('exit', () => res());
          terminate(v);
        });
      }
    },
  };
}
