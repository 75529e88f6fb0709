/** Spawns test/fixtures/probe.js under a given attack and returns its report. */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ScanReport, Verdict } from '../../src/index.js';

export const PROBE = fileURLToPath(new URL('../fixtures/probe.js', import.meta.url));

export type ProbeResult = { report: ScanReport; verdict: Verdict; stderr: string; status: number | null };

/** The parent environment minus anything that would itself be an attack on the child. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of ['NODE_OPTIONS', 'LD_PRELOAD', 'LD_AUDIT', 'NODE_TEST_CONTEXT']) delete env[k];
  return { ...env, ...extra };
}

export type ProbeSpawn = {
  /** Node flags before the probe path. */
  flags?: string[];
  /** Probe options after the probe path. */
  args?: string[];
  env?: Record<string, string>;
  cwd?: string;
  /** Command prefix, e.g. ['strace', '-f', '-o', '/dev/null']; node's path is appended. */
  wrapper?: string[];
  /** Run through `bash -c '<shell prefix>; exec node …'`. */
  shellPrefix?: string;
};

function command(o: ProbeSpawn): { file: string; args: string[] } {
  const nodeArgs = [...(o.flags ?? []), PROBE, ...(o.args ?? [])];
  if (o.shellPrefix !== undefined) {
    const quoted = [process.execPath, ...nodeArgs].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    return { file: 'bash', args: ['-c', `${o.shellPrefix}; exec ${quoted}`] };
  }
  if (o.wrapper?.length)
    return { file: o.wrapper[0]!, args: [...o.wrapper.slice(1), process.execPath, ...nodeArgs] };
  return { file: process.execPath, args: nodeArgs };
}

function parseReport(stdout: string, stderr: string, status: number | null): ProbeResult {
  const line = stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { type: string; report?: ScanReport; verdict?: Verdict })
    .find((m) => m.type === 'report');
  if (!line?.report || !line.verdict) {
    throw new Error(`probe printed no report (status ${status})\nstdout: ${stdout}\nstderr: ${stderr}`);
  }
  return { report: line.report, verdict: line.verdict, stderr, status };
}

export function runProbe(o: ProbeSpawn = {}): ProbeResult {
  const { file, args } = command(o);
  const r = spawnSync(file, args, { cwd: o.cwd, env: cleanEnv(o.env), encoding: 'utf8', timeout: 60_000 });
  return parseReport(r.stdout ?? '', r.stderr ?? '', r.status);
}

/** A long-running probe (--periodic): resolves `ready` with the pid, `done` with the report. */
export function startProbe(o: ProbeSpawn): {
  child: ChildProcess;
  ready: Promise<number>;
  done: Promise<ProbeResult>;
} {
  const { file, args } = command(o);
  const child = spawn(file, args, { cwd: o.cwd, env: cleanEnv(o.env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let onReady: (pid: number) => void = () => undefined;
  const ready = new Promise<number>((resolve) => {
    onReady = resolve;
  });
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    const m = /\{"type":"ready","pid":(\d+)\}/.exec(stdout);
    if (m) onReady(Number(m[1]));
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const done = new Promise<ProbeResult>((resolve, reject) => {
    child.on('close', (status) => {
      clearTimeout(killer);
      try {
        resolve(parseReport(stdout, stderr, status));
      } catch (e) {
        reject(e);
      }
    });
  });
  return { child, ready, done };
}

export function codes(r: ProbeResult): string[] {
  return [...new Set(r.report.threats.map((t) => t.code))].sort();
}

/** Codes outside the environment class (what a clean run must not have). */
export function blockingCodes(r: ProbeResult): string[] {
  return [...new Set(r.report.threats.filter((t) => t.class !== 'environment').map((t) => t.code))].sort();
}
