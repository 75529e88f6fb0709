/**
 * CONTAINER: the process runs in a container (MASWE-0052 "app virtualization environment",
 * MASTG-TEST-0049 analogue, MASVS-RESILIENCE-1). Hints, any of which fires:
 *  - /.dockerenv (Docker) or /run/.containerenv (Podman) exists;
 *  - /proc/1/cgroup or /proc/self/cgroup names docker, kubepods, containerd, libpod, lxc, crio;
 *  - /proc/1/sched's first line shows a pid other than 1 (pid namespace on older kernels);
 *  - the environment has `container` or `KUBERNETES_SERVICE_HOST` set (names only in evidence).
 * Severity low: servers and CI legitimately run in containers; it is a posture signal.
 * Reliability: hints only; all are forgeable by whoever builds the image. Cannot see: a container
 * runtime that hides them (gVisor with cgroup v2 namespaces shows "0::/" everywhere).
 * This machine: /.dockerenv exists, cgroups read "/" (cgroup namespace) → CONTAINER reported.
 */

import type { Threat } from '@openvse/protocol';
import type { DetectorContext } from '../context.js';
import type { Detector } from '../detector.js';
import { threat } from '../threat.js';

const CGROUP_HINT = /(docker|kubepods|containerd|libpod|lxc|crio|podman)/i;

/** CONTAINER (low): Docker, Podman, Kubernetes, LXC… hints. */
export const containerDetector: Detector = {
  id: 'container',
  detect(ctx: DetectorContext): Threat[] {
    const hints: string[] = [];
    if (ctx.exists('/.dockerenv')) hints.push('dockerenv');
    if (ctx.exists('/run/.containerenv')) hints.push('containerenv');
    for (const f of ['/proc/1/cgroup', '/proc/self/cgroup']) {
      const m = CGROUP_HINT.exec(ctx.readFile(f) ?? '');
      if (m) {
        hints.push(`cgroup:${m[1]!.toLowerCase()}`);
        break;
      }
    }
    const sched = /\((\d+),/.exec((ctx.readFile('/proc/1/sched') ?? '').split('\n')[0] ?? '');
    if (sched && sched[1] !== '1') hints.push('pid-namespace');
    for (const v of ['container', 'KUBERNETES_SERVICE_HOST']) if (ctx.env[v]) hints.push(`env:${v}`);
    if (!hints.length) return [];
    return [threat('CONTAINER', { hints: [...new Set(hints)].join(',') }, ctx.now())];
  },
};
