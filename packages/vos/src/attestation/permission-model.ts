/**
 * What Node's permission model (`--experimental-permission`, Node 20; `--permission` later) denies
 * in this process, as evidence for the protection level (Node.js docs "Permissions";
 * docs/threat-model.md "Protection levels").
 *
 * Measured on Node 20.20.2 (see docs/attestation.md):
 * - `process.permission.has(scope)` returns false, without throwing, for ANY unknown scope name,
 *   so a check with a misspelt or non-existent scope always "passes". Only scopes whose answer
 *   was seen to change with their --allow-* flag are trusted here: 'child' (--allow-child-process),
 *   'wasi' (--allow-wasi), 'worker' (--allow-worker), 'fs.read' (--allow-fs-read).
 * - 'addon' is NOT a scope in Node 20 (it stays false under --allow-addons). Addon loading is
 *   checked by probing `process.dlopen` with a path that cannot exist: a process with addons
 *   disabled answers ERR_DLOPEN_DISABLED before touching the file system.
 * - 'inspector' has no --allow flag in Node 20: the permission model always denies it, so
 *   has('inspector') is false whenever the model is active. We take that answer and also require
 *   that no inspector URL is open.
 * - /proc/self/mem is denied only when the fs.read allow list leaves /proc out; `--allow-fs-read=*`
 *   still allows it. Both /proc/self/mem and /proc/<pid>/mem must be denied.
 *
 * This is a self-report of the running process. Code that runs before V-OS can replace
 * `process.permission`; the report is a claim, not proof (docs/threat-model.md).
 */
import inspector from 'node:inspector';

export type PermissionModelState = {
  active: boolean;
  denies: { inspector: boolean; childProcess: boolean; addons: boolean; wasi: boolean; procSelfMem: boolean };
};

type PermissionApi = { has(scope: string, reference?: string): boolean };

function permissionApi(): PermissionApi | undefined {
  const p = (process as unknown as { permission?: PermissionApi }).permission;
  return p && typeof p.has === 'function' ? p : undefined;
}

function has(api: PermissionApi, scope: string, reference?: string): boolean {
  try {
    return reference === undefined ? api.has(scope) : api.has(scope, reference);
  } catch {
    // An API that throws cannot show a denial: treat as allowed (fail closed on the level).
    return true;
  }
}

/** True when loading a native addon is refused (ERR_DLOPEN_DISABLED); never loads anything. */
function addonsDisabled(): boolean {
  // /dev/null is a character device, so no path below it can exist: the probe can only fail.
  const impossible = `/dev/null/openvse-addon-probe-${process.pid}.node`;
  try {
    process.dlopen({ exports: {} } as NodeJS.Module, impossible);
    return false;
  } catch (e) {
    return (e as { code?: unknown }).code === 'ERR_DLOPEN_DISABLED';
  }
}

/** Reports whether the permission model is active and which powers it denies to this process. */
export function detectPermissionModel(): PermissionModelState {
  const api = permissionApi();
  if (!api) {
    return {
      active: false,
      denies: {
        inspector: false,
        childProcess: false,
        addons: addonsDisabled(),
        wasi: false,
        procSelfMem: false,
      },
    };
  }
  const procPaths = ['/proc/self/mem', `/proc/${process.pid}/mem`, '/proc/thread-self/mem'];
  return {
    active: true,
    denies: {
      inspector: !has(api, 'inspector') && inspector.url() === undefined,
      childProcess: !has(api, 'child'),
      addons: addonsDisabled(),
      wasi: !has(api, 'wasi'),
      procSelfMem: procPaths.every((p) => !has(api, 'fs.read', p)),
    },
  };
}

/** True when the model is active and denies every power the L1 level requires denied. */
export function permissionModelEnforced(state: PermissionModelState): boolean {
  const d = state.denies;
  return (
    state.active === true &&
    d.inspector === true &&
    d.childProcess === true &&
    d.addons === true &&
    d.wasi === true &&
    d.procSelfMem === true
  );
}
