/**
 * Where detectors read the process and the machine from. The default context reads the real
 * process (process.*, node:inspector, /proc, /sys); tests inject a fake one to cover inputs a
 * child process cannot easily produce (another machine's /proc/cpuinfo, a tracer pid…).
 * Every read is defensive: a missing or unreadable file is `undefined`, never an exception, so a
 * detector on macOS, under the permission model (/proc denied) or in a sandbox just sees less.
 */
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readlinkSync, readSync } from 'node:fs';
import { url as inspectorUrl } from 'node:inspector';
import { elfNeededLibraries } from './elf-needed.js';

/** Everything a detector reads about the process and the machine (injectable for tests). */
export type DetectorContext = {
  /** Wall clock, for `detectedAt`. */
  now(): Date;
  /** A text file, or undefined when it is missing or unreadable. */
  readFile(path: string): string | undefined;
  exists(path: string): boolean;
  readdir(path: string): string[] | undefined;
  readlink(path: string): string | undefined;
  env: Readonly<Record<string, string | undefined>>;
  execArgv: readonly string[];
  execPath: string;
  pid: number;
  platform: string;
  getuid(): number | undefined;
  geteuid(): number | undefined;
  inspectorUrl(): string | undefined;
  debugPort(): number;
  /** Node's internal list of `--require` preloads (undocumented, read defensively). */
  preloadModules(): readonly string[] | undefined;
  /** `process.config.variables` (which libraries the node binary links dynamically). */
  buildVariables(): Readonly<Record<string, unknown>>;
  /**
   * The DT_NEEDED library names of the running node binary (/proc/self/exe), read from its ELF
   * dynamic section; undefined where it cannot be read (not Linux, /proc denied, not ELF).
   */
  neededLibraries(): readonly string[] | undefined;
};

/** The running binary's DT_NEEDED list, read once (the binary does not change under a process). */
let neededCache: { value: readonly string[] | undefined } | undefined;

function readNeededOfSelf(): readonly string[] | undefined {
  if (neededCache) return neededCache.value;
  let fd: number | undefined;
  try {
    fd = openSync('/proc/self/exe', 'r');
    const file = fd;
    const value = elfNeededLibraries((offset, length) => {
      const buf = new Uint8Array(length);
      const n = readSync(file, buf, 0, length, offset);
      return buf.subarray(0, n);
    });
    neededCache = { value: value ? Object.freeze(value) : undefined };
  } catch {
    neededCache = { value: undefined };
  } finally {
    if (fd !== undefined) safe(() => closeSync(fd as number));
  }
  return neededCache.value;
}

function safe<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

/** The real process. Captures its own references to the readers when V-Guard is loaded. */
export function processContext(overrides: Partial<DetectorContext> = {}): DetectorContext {
  const base: DetectorContext = {
    now: () => new Date(),
    readFile: (p) => safe(() => readFileSync(p, 'utf8')),
    exists: (p) => safe(() => existsSync(p)) ?? false,
    readdir: (p) => safe(() => readdirSync(p)),
    readlink: (p) => safe(() => readlinkSync(p)),
    env: process.env,
    execArgv: process.execArgv,
    execPath: process.execPath,
    pid: process.pid,
    platform: process.platform,
    getuid: () => safe(() => process.getuid?.()),
    geteuid: () => safe(() => process.geteuid?.()),
    inspectorUrl: () => safe(() => inspectorUrl()) ?? undefined,
    debugPort: () => safe(() => process.debugPort) ?? 0,
    preloadModules: () =>
      safe(() => {
        const list = (process as unknown as { _preload_modules?: unknown })._preload_modules;
        return Array.isArray(list) ? list.filter((m): m is string => typeof m === 'string') : undefined;
      }),
    buildVariables: () =>
      safe(() => (process.config as unknown as { variables?: Record<string, unknown> }).variables) ?? {},
    neededLibraries: () => (process.platform === 'linux' ? readNeededOfSelf() : undefined),
  };
  return { ...base, ...overrides };
}
