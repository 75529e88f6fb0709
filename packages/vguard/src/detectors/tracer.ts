/**
 * DEBUGGER_ATTACHED: a ptrace tracer (gdb, lldb, strace, ltrace, frida-server in ptrace mode…) is
 * attached. How: `TracerPid` in /proc/self/status (MASTG 0x05j, MASTG-TEST-0046;
 * docs/runtime-protection.md §2.2) is non-zero; the tracer's name comes from /proc/<pid>/comm when
 * readable (it usually is, unless the tracer lives in another pid namespace, when TracerPid may
 * read 0 or an unrelated pid).
 * Reliability: good on Linux for off-the-shelf tools. Cannot see: a tracer that detaches between
 * polls, kernel-level hiding, debuggers that do not ptrace (/proc/<pid>/mem writes by root,
 * process_vm_readv), the inspector (separate detector), non-Linux platforms (no /proc).
 */

import type { Evidence, Threat } from '@openvse/protocol';
import type { DetectorContext } from '../context.js';
import type { Detector } from '../detector.js';
import { threat } from '../threat.js';

/** DEBUGGER_ATTACHED: a tracer (gdb, strace, frida…) in /proc/self/status TracerPid. */
export const tracerDetector: Detector = {
  id: 'tracer',
  detect(ctx: DetectorContext): Threat[] {
    const status = ctx.readFile('/proc/self/status');
    if (!status) return [];
    const m = /^TracerPid:\s*(\d+)/m.exec(status);
    const pid = m ? Number(m[1]) : 0;
    if (!pid) return [];
    const evidence: Evidence = { tracerPid: pid };
    const comm = ctx.readFile(`/proc/${pid}/comm`)?.trim();
    if (comm) evidence.tracerName = comm.slice(0, 64);
    return [threat('DEBUGGER_ATTACHED', evidence, ctx.now())];
  },
};
