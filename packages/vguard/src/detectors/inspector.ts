/**
 * INSPECTOR_OPEN: the V8 inspector (Chrome DevTools protocol) is listening, so anyone who reaches
 * the port can read and write every variable of the process, worker threads included
 * (docs/runtime-protection.md §3).
 *
 * How, three independent signals merged into one threat:
 *  - `inspector.url()` is a `ws://` URL (docs/runtime-protection.md §2.1; catches --inspect*,
 *    NODE_OPTIONS=--inspect, SIGUSR1 / process._debugProcess activation, inspector.open());
 *  - an `--inspect`, `--inspect-brk`, `--inspect-wait` flag in execArgv or NODE_OPTIONS;
 *  - a LISTEN socket on `process.debugPort` that belongs to this process (/proc/self/net/tcp{,6}
 *    inodes matched against /proc/self/fd). `process.debugPort` alone means nothing: it is 9229
 *    even when no inspector runs (docs/runtime-protection.md §2.1), hence the ownership check. This
 *    third signal does not depend on node:inspector, so a preload that replaced `inspector.url`
 *    does not hide it.
 * Reliability: good (MASVS-RESILIENCE-4, MASTG-TEST-0046). Polled at every scan, and the scanner
 * scans before each payment. Evidence: host and port only, never the URL's session UUID.
 * Cannot see: an in-process `inspector.Session().connect()` (no port, url() stays undefined:
 * docs/runtime-protection.md §3; only the permission model stops it), a patched node binary, a
 * debugger attached between two polls and gone before the next.
 */

import type { Evidence, Threat } from '@openvse/protocol';
import type { DetectorContext } from '../context.js';
import type { Detector } from '../detector.js';
import { flagNames, matchFlags, processFlags } from '../flags.js';
import { threat } from '../threat.js';

/** The flags that open the V8 inspector. */
export const INSPECT_FLAGS = ['--inspect', '--inspect-brk', '--inspect-wait', '--debug', '--debug-brk'];

/** Socket inodes of this process's TCP LISTEN sockets on `port`. */
export function ownListeningSocket(ctx: DetectorContext, port: number): boolean {
  if (!port) return false;
  const inodes = new Set<string>();
  for (const table of ['/proc/self/net/tcp', '/proc/self/net/tcp6']) {
    const text = ctx.readFile(table);
    if (!text) continue;
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || cols[3] !== '0A') continue; // 0A = TCP_LISTEN
      const local = cols[1]!;
      if (Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port) inodes.add(cols[9]!);
    }
  }
  if (inodes.size === 0) return false;
  for (const fd of ctx.readdir('/proc/self/fd') ?? []) {
    const m = /^socket:\[(\d+)\]$/.exec(ctx.readlink(`/proc/self/fd/${fd}`) ?? '');
    if (m && inodes.has(m[1]!)) return true;
  }
  return false;
}

/** INSPECTOR_OPEN: inspector URL, inspector flags, or a listening debug port owned by this process. */
export const inspectorDetector: Detector = {
  id: 'inspector',
  detect(ctx: DetectorContext): Threat[] {
    const evidence: Evidence = {};
    const url = ctx.inspectorUrl();
    if (url) {
      evidence.url = true;
      const m = /^wss?:\/\/(\[[^\]]+\]|[^:/]+):(\d+)/.exec(url);
      if (m) {
        evidence.host = m[1]!;
        evidence.port = Number(m[2]);
      }
    }
    const flags = matchFlags(processFlags(ctx), INSPECT_FLAGS);
    if (flags.length) {
      evidence.flags = flagNames(flags);
      evidence.flagSource = [...new Set(flags.map((f) => f.source))].sort().join(',');
    }
    const port = ctx.debugPort();
    if (ctx.platform === 'linux' && ownListeningSocket(ctx, port)) {
      evidence.socket = true;
      evidence.port = port;
    }
    return Object.keys(evidence).length ? [threat('INSPECTOR_OPEN', evidence, ctx.now())] : [];
  },
};
