/**
 * VIRTUAL_MACHINE: the process runs on a hypervisor (MASWE-0053 emulated/virtual device,
 * MASTG-TEST-0049 emulator detection analogue, MASVS-RESILIENCE-1), in the spirit of
 * `systemd-detect-virt --vm`:
 *  - /proc/cpuinfo has the `hypervisor` CPU flag (CPUID leaf 1 ECX bit 31; set by every mainstream
 *    hypervisor for its guests);
 *  - /sys/class/dmi/id/product_name or sys_vendor names KVM, QEMU, VMware, VirtualBox, Xen,
 *    Hyper-V ("Microsoft Corporation" + "Virtual Machine"), Amazon EC2, Google, Bochs, Parallels,
 *    BHYVE, OpenStack;
 *  - /sys/hypervisor/type exists (Xen).
 * Severity low: cloud servers are VMs; on a phone it means an emulator. Reliability: hints; a
 * hypervisor can hide the CPUID bit and fake DMI. Cannot see: hidden hypervisors, ARM guests
 * without DMI. This machine: a Firecracker microVM; no DMI in sysfs, but cpuinfo has the
 * `hypervisor` flag → VIRTUAL_MACHINE reported.
 */

import type { Threat } from '@openvse/protocol';
import type { DetectorContext } from '../context.js';
import type { Detector } from '../detector.js';
import { threat } from '../threat.js';

const DMI_VENDOR =
  /(KVM|QEMU|VMware|VirtualBox|innotek|Xen|Virtual Machine|Amazon EC2|Google Compute|Bochs|Parallels|BHYVE|OpenStack|Firecracker|Cloud Hypervisor)/i;

/** VIRTUAL_MACHINE (low): hypervisor flag, DMI vendor strings, /sys/hypervisor. */
export const virtualMachineDetector: Detector = {
  id: 'virtual-machine',
  detect(ctx: DetectorContext): Threat[] {
    const hints: string[] = [];
    const cpuinfo = ctx.readFile('/proc/cpuinfo') ?? '';
    if (/^flags\s*:.*\bhypervisor\b/m.test(cpuinfo)) hints.push('cpuinfo:hypervisor');
    for (const f of ['product_name', 'sys_vendor']) {
      const m = DMI_VENDOR.exec(ctx.readFile(`/sys/class/dmi/id/${f}`) ?? '');
      if (m) hints.push(`dmi:${m[1]!.toLowerCase().replace(/\s+/g, '-')}`);
    }
    if (ctx.exists('/sys/hypervisor/type')) hints.push('sys-hypervisor');
    if (!hints.length) return [];
    return [threat('VIRTUAL_MACHINE', { hints: [...new Set(hints)].join(',') }, ctx.now())];
  },
};
