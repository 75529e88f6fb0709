/**
 * Device binding identity for the key-file root of trust: a hash of the OS machine identity
 * (/etc/machine-id, then /var/lib/dbus/machine-id, then the hostname; see machine-id(5)).
 *
 * Honest limit: this binds a data folder to the machine *identity*, not to hardware. Anyone who
 * can read /etc/machine-id on the same device (any local user; root certainly) can recompute the
 * wrapping key; a copied folder opens on a machine whose machine-id was cloned (VM images!).
 * It stops a casual copy of the data folder to another machine, nothing more.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

const SOURCES = ['/etc/machine-id', '/var/lib/dbus/machine-id'];

function rawMachineIdentity(): string {
  for (const path of SOURCES) {
    try {
      const v = readFileSync(path, 'utf8').trim();
      if (v.length > 0) return `machine-id:${v}`;
    } catch {
      // try the next source
    }
  }
  return `hostname:${hostname()}`;
}

/** The default device binding identity: SHA-256 over the machine identity, hex. */
export function defaultDeviceIdentity(): string {
  return createHash('sha256')
    .update('openvse/device-identity/v1\0', 'utf8')
    .update(rawMachineIdentity(), 'utf8')
    .digest('hex');
}

/** A public device identifier derived from a binding identity (never the identity itself). */
export function deviceIdFromIdentity(identity: string): string {
  return createHash('sha256')
    .update('openvse/device-id/v1\0', 'utf8')
    .update(identity, 'utf8')
    .digest('hex')
    .slice(0, 32);
}
