/**
 * Node's permission-model flags for the running Node version (Node.js docs "Permissions"): the
 * flag is `--experimental-permission` up to Node 22 and `--permission` from Node 23 (22.13+ knows
 * both); on Node 20 a directory grant is written `<dir>/*` and each path takes its own flag, later
 * Node versions grant a directory tree by its path.
 */
import process from 'node:process';

const major = Number(process.versions.node.split('.')[0]);

/** The flag that turns the permission model on, for a Node of version `nodeMajor`. */
export function permissionFlag(nodeMajor: number = major): string {
  return nodeMajor >= 23 ? '--permission' : '--experimental-permission';
}

/** `--allow-fs-read=` / `--allow-fs-write=` flags granting each directory tree in `dirs`. */
export function fsGrants(
  kind: 'read' | 'write',
  dirs: readonly string[],
  nodeMajor: number = major,
): string[] {
  return dirs.map((d) => `--allow-fs-${kind}=${nodeMajor < 22 ? `${d.replace(/\/$/, '')}/*` : d}`);
}
