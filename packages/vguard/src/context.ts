/**
 * Where detectors read the process and the machine from. The default context reads the real
 * process (process.*, node:inspector, /proc, /sys); tests inject a fake one to cover inputs a
 * child process cannot easily produce (another machine's /proc/cpuinfo, a tracer pid…).
 * Every read is defensive: a missing or unreadable file is `undefined`, never an exception, so a
 * detector on macOS, under the permission model (/proc denied) or in a sandbox just sees less.
 */
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { url as inspectorUrl } from 'node:inspector';

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
};

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
  };
  return { ...base, ...overrides };
}
