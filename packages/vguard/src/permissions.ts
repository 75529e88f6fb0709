/**
 * What V-Guard reads, for an app run under Node's permission model by hand (embedded V-OS, always
 * L0): pass each entry as its own
 * `--allow-fs-read=<path>` (Node 20.20 refuses a comma-separated list; a path ending in "/" allows
 * the directory). Without them the /proc-based detectors see nothing and say nothing; without
 * `--allow-worker` the clean-realm check of the built-ins detector is skipped. The app directory
 * (for the manifest check) is added by the caller. The launcher (`openvse run`, L1) grants no /proc
 * read at all, and V-OS rates an app with one L0 (docs/vguard.md "The permission model, and the
 * launcher").
 */
export const PERMISSION_READ_PATHS: readonly string[] = Object.freeze([
  '/proc/self/',
  '/proc/sys/kernel/core_pattern',
  '/proc/1/',
  '/proc/cpuinfo',
  '/proc/uptime',
  '/sys/class/dmi/id/',
  '/sys/hypervisor/',
  '/.dockerenv',
  '/run/.containerenv',
  '/etc/ld.so.preload',
]);

/** `--allow-fs-read=…` flags for V-Guard plus the given extra paths (app dir, node_modules…). */
export function permissionReadFlags(extra: readonly string[] = []): string[] {
  return [...PERMISSION_READ_PATHS, ...extra].map((p) => `--allow-fs-read=${p}`);
}
