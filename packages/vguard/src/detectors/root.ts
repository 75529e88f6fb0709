/**
 * RUNNING_AS_ROOT: the wallet process runs with uid or euid 0 (MASTG-TEST-0045 analogue,
 * MASVS-RESILIENCE-1; docs/runtime-protection.md §2.7). On a phone that means a rooted device; on a
 * server it is over-privilege: any bug becomes a full compromise and the process can ptrace
 * anything. Severity low: CI and containers routinely run as root (this machine does), so it is a
 * posture signal for the server's policy, not proof of attack. Evidence: uid, euid, CapEff (hex
 * mask).
 * Cannot see: a non-root process holding dangerous capabilities through file caps is only
 * visible via the CapEff evidence when root is reported; a user namespace "root" that is not
 * root on the host (reported anyway: the process still believes it is root).
 */

import type { Evidence, Threat } from '@openvse/protocol';
import type { DetectorContext } from '../context.js';
import type { Detector } from '../detector.js';
import { threat } from '../threat.js';

/** RUNNING_AS_ROOT (low): uid or euid 0. */
export const rootDetector: Detector = {
  id: 'root',
  detect(ctx: DetectorContext): Threat[] {
    const uid = ctx.getuid();
    const euid = ctx.geteuid();
    if (uid !== 0 && euid !== 0) return [];
    const evidence: Evidence = { uid: uid ?? -1, euid: euid ?? -1 };
    const capEff = /^CapEff:\s*([0-9a-f]+)/m.exec(ctx.readFile('/proc/self/status') ?? '')?.[1];
    if (capEff) evidence.capEff = capEff;
    return [threat('RUNNING_AS_ROOT', evidence, ctx.now())];
  },
};
