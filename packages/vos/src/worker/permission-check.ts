/**
 * The permission-model state the secure world reports (L1 of docs/threat-model.md "Protection
 * levels"; docs/design.md "The worker"). On Node 20 `process.permission` exists only in the main
 * thread, so the host measures it (attestation/permission-model.ts) and passes the result in; the
 * worker then checks for itself that the powers L1 relies on are really denied *here*: an
 * inspector session cannot connect and /proc/self/mem cannot be opened. Any disagreement means
 * "not enforced".
 */
import { closeSync, openSync } from 'node:fs';
import inspector from 'node:inspector';
import type { PermissionModelState } from '../attestation/index.js';

function inspectorDenied(): boolean {
  const s = new inspector.Session();
  try {
    s.connect();
    s.disconnect();
    return false;
  } catch (e) {
    return (e as { code?: unknown }).code === 'ERR_ACCESS_DENIED';
  }
}

function procMemDenied(): boolean {
  try {
    closeSync(openSync('/proc/self/mem', 'r'));
    return false;
  } catch (e) {
    return (e as { code?: unknown }).code === 'ERR_ACCESS_DENIED';
  }
}

export function confirmPermissionModel(host: PermissionModelState | undefined): PermissionModelState {
  const denied = { inspector: false, childProcess: false, addons: false, wasi: false, procSelfMem: false };
  if (host?.active !== true || typeof host.denies !== 'object' || host.denies === null) {
    return { active: false, denies: denied };
  }
  const d = host.denies;
  return {
    active: true,
    denies: {
      inspector: d.inspector === true && inspectorDenied(),
      childProcess: d.childProcess === true,
      addons: d.addons === true,
      wasi: d.wasi === true,
      procSelfMem: d.procSelfMem === true && procMemDenied(),
    },
  };
}
