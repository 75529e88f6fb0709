/**
 * CORE_DUMP_ENABLED: a crash (or a `kill -SEGV/-ABRT/-QUIT` by any local user with the same uid)
 * would write this process's memory, keys included, to disk (MASWE-0061, MASVS-RESILIENCE-4;
 * docs/runtime-protection.md §2.9: the core-file size limit, core_pattern). How:
 *  - "Max core file size" soft limit in /proc/self/limits is not 0 (e.g. `ulimit -c unlimited`);
 *  - /proc/sys/kernel/core_pattern starts with "|": the kernel pipes the dump to a collector
 *    (systemd-coredump, apport…) and, for pipes, does not enforce RLIMIT_CORE itself (core(5)),
 *    so a collector counts even with a 0 limit;
 *  - evidence adds /proc/self/coredump_filter (which memory kinds a dump includes: bit 0/1 =
 *    anonymous private/shared, i.e. the JS heap).
 * Severity medium. Evidence: limit, "file" or "pipe", the collector's base name, the filter.
 * Cannot see: prctl(PR_SET_DUMPABLE, 0) set by native code (no /proc view), collectors that
 * honour the limit on their own (still reported for a pipe: we cannot know), gcore/ptrace dumps
 * (DEBUGGER_ATTACHED covers those).
 */

import type { Evidence, Threat } from '@openvse/protocol';
import type { DetectorContext } from '../context.js';
import type { Detector } from '../detector.js';
import { threat } from '../threat.js';

/** CORE_DUMP_ENABLED (medium): a non-zero core-file limit or a core_pattern pipe. */
export const coreDumpDetector: Detector = {
  id: 'core-dump',
  detect(ctx: DetectorContext): Threat[] {
    const limits = ctx.readFile('/proc/self/limits');
    const pattern = ctx.readFile('/proc/sys/kernel/core_pattern')?.trim();
    if (limits === undefined && pattern === undefined) return [];
    const soft = /^Max core file size\s+(\S+)/m.exec(limits ?? '')?.[1];
    const limitOn = soft !== undefined && soft !== '0';
    const pipe = !!pattern?.startsWith('|');
    if (!limitOn && !pipe) return [];
    const evidence: Evidence = { coreLimit: soft ?? 'unknown', corePattern: pipe ? 'pipe' : 'file' };
    if (pipe) {
      const prog = pattern!.slice(1).trim().split(/\s+/)[0] ?? '';
      evidence.collector = prog.slice(prog.lastIndexOf('/') + 1).slice(0, 64);
    }
    const filter = ctx.readFile('/proc/self/coredump_filter')?.trim();
    if (filter && /^[0-9a-f]+$/i.test(filter)) {
      evidence.coredumpFilter = filter;
      evidence.anonymousMemory = (Number.parseInt(filter, 16) & 0b11) !== 0;
    }
    return [threat('CORE_DUMP_ENABLED', evidence, ctx.now())];
  },
};
