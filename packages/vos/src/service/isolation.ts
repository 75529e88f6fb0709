/**
 * How isolated the app is from this V-OS process, measured from outside the app (docs/
 * process-boundary.md "Levels"): what the kernel reports about the app process — its command line
 * (/proc/<pid>/cmdline), environment (environ), tracer, user ids and parent (status), executable
 * (exe) — never what code inside the app says about itself.
 *
 * The app is **confined** when it runs the Node.js binary V-OS runs on, under Node's permission
 * model (`--permission`, or `--experimental-permission` on Node 20/22) with no `--allow-worker`,
 * `--allow-child-process`, `--allow-addons` or `--allow-wasi` grant, no `--inspect*`/`--debug*`,
 * loader or internals flag, file-system grants that do not reach /proc (nor `*` or `/`), the same
 * holding for NODE_OPTIONS, and no tracer. V-OS runs under a **separate user** when the app's
 * real, effective, saved and file-system uids all differ from V-OS's and none is 0 (root may
 * ptrace anyone).
 *
 * The flags are judged once, at start: the command line V-OS reads must be exactly the one the
 * launcher says it started (code in the app can rewrite its /proc cmdline through process.title,
 * but not the flags the process really runs with). Tracer, user ids and the process's identity
 * (its start time, against pid reuse) are measured again every time the level is asked for.
 */
import { readFileSync, readlinkSync, realpathSync } from 'node:fs';
import type { Isolation } from '@openvse/attestation';

/** The measured isolation and, for people, why. */
export type IsolationReport = Isolation & { appPid: number; reasons: string[] };

/** What is judged once, when the app starts. */
export type AppStart = { pid: number; startTime: string; flagsConfined: boolean; flagReasons: string[] };

const GRANTS = ['--allow-worker', '--allow-child-process', '--allow-addons', '--allow-wasi'];
const DEBUG = /^--(inspect|debug)(-brk|-port|-publish-uid|-wait)?(=|$)/;
const FORBIDDEN = /^--(expose-internals|experimental-loader|loader|allow-natives-syntax)(=|$)/;
const PERMISSION = /^--(permission|experimental-permission)$/;
const FS_GRANT = /^--allow-fs-(read|write)=(.*)$/;

/** True when a file-system grant reaches /proc (or everything). */
function grantReachesProc(paths: string): boolean {
  return paths.split(',').some((raw) => {
    const p = raw.trim();
    if (p === '*' || p === '/' || p === '/*') return true;
    return p === '/proc' || p.startsWith('/proc/') || p.startsWith('/proc*');
  });
}

/** The Node options of a command line: everything between the executable and the script. */
export function nodeOptionsOf(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (const a of argv.slice(1)) {
    if (!a.startsWith('-')) break;
    out.push(a);
  }
  return out;
}

/** Why `options` do not confine a Node process (empty when they do). */
export function confinementProblems(options: readonly string[]): string[] {
  const problems: string[] = [];
  if (!options.some((o) => PERMISSION.test(o))) problems.push('no --permission flag');
  for (const o of options) {
    if (GRANTS.some((g) => o === g || o.startsWith(`${g}=`))) problems.push(`${o} grants what L1 denies`);
    else if (DEBUG.test(o)) problems.push(`${o} opens a debugger`);
    else if (FORBIDDEN.test(o)) problems.push(`${o} is not allowed`);
    const fs = FS_GRANT.exec(o);
    if (fs && grantReachesProc(fs[2]!)) problems.push(`${o} reaches /proc`);
  }
  return problems;
}

function procStartTime(pid: number): string {
  // Field 22 of /proc/<pid>/stat, after the parenthesised command name (which may hold spaces).
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
}

function errCode(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? 'error';
}

/**
 * Judges the app's flags once: its /proc command line must equal `declaredArgv` (what the
 * launcher started), and those Node options must confine it. NODE_OPTIONS in its environment
 * counts too; an environment V-OS may not read (another OS user) is the launcher's, which starts
 * the app without NODE_OPTIONS.
 */
export function judgeAppStart(pid: number, declaredArgv: readonly string[]): AppStart {
  const reasons: string[] = [];
  try {
    const startTime = procStartTime(pid);
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
    if (argv.length !== declaredArgv.length || argv.some((a, i) => a !== declaredArgv[i]))
      reasons.push('the app command line is not the one the launcher started');
    const options = nodeOptionsOf(declaredArgv);
    try {
      const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      const v = env.find((e) => e.startsWith('NODE_OPTIONS='));
      if (v) options.push(...v.slice('NODE_OPTIONS='.length).split(/\s+/).filter(Boolean));
    } catch (e) {
      if (errCode(e) !== 'EACCES') reasons.push(`the app environment cannot be read (${errCode(e)})`);
    }
    try {
      const exe = realpathSync(readlinkSync(`/proc/${pid}/exe`));
      if (exe !== realpathSync(process.execPath))
        reasons.push(`the app runs ${exe}, not ${process.execPath}`);
    } catch (e) {
      if (errCode(e) !== 'EACCES') reasons.push(`the app executable cannot be read (${errCode(e)})`);
      else if (realpathSync(declaredArgv[0] ?? '') !== realpathSync(process.execPath))
        reasons.push('the launcher started another executable');
    }
    reasons.push(...confinementProblems(options));
    return { pid, startTime, flagsConfined: reasons.length === 0, flagReasons: reasons };
  } catch (e) {
    return {
      pid,
      startTime: '',
      flagsConfined: false,
      flagReasons: [`the app cannot be inspected (${errCode(e)})`],
    };
  }
}

function uidsOf(status: string): number[] {
  const m = /^Uid:\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)/m.exec(status);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])] : [];
}

/** The app's isolation now: the flags judged at start, and tracer / users / identity measured again. */
export function measureApp(start: AppStart, expectedParent: number = process.ppid): IsolationReport {
  const reasons = [...start.flagReasons];
  let confined = start.flagsConfined;
  let separateUser = false;
  try {
    const status = readFileSync(`/proc/${start.pid}/status`, 'utf8');
    if (procStartTime(start.pid) !== start.startTime) throw Object.assign(new Error(), { code: 'ESRCH' });
    if (Number(/^PPid:\s+(\d+)/m.exec(status)?.[1] ?? -1) !== expectedParent) {
      confined = false;
      reasons.push(`process ${start.pid} was not started by this V-OS's launcher`);
    }
    const tracer = Number(/^TracerPid:\s+(\d+)/m.exec(status)?.[1] ?? -1);
    if (tracer !== 0) {
      confined = false;
      reasons.push(`the app is traced (TracerPid ${tracer})`);
    }
    const app = uidsOf(status);
    const mine = process.getuid?.() ?? -1;
    separateUser = app.length === 4 && app.every((u) => u !== mine && u !== 0);
    reasons.push(
      separateUser
        ? `V-OS runs as uid ${mine} and the app as uid ${app[0]}: the kernel keeps native code in the app out of V-OS`
        : 'V-OS and the app share an OS user (or the app is root): native code in the app could reach V-OS',
    );
  } catch (e) {
    confined = false;
    reasons.push(`the app process ${start.pid} is gone or cannot be inspected (${errCode(e)})`);
  }
  if (confined)
    reasons.unshift(
      'the app runs under the permission model with no worker, child-process, addon, WASI, inspector or /proc grant, untraced',
    );
  return { mode: 'process', appConfined: confined, separateUser, appPid: start.pid, reasons };
}
