/**
 * One writer per sealed store directory. Inside a process a registry refuses a second open; across
 * processes a lock file holding the owner's pid does, and a lock left by a dead process (crash,
 * SIGKILL) is taken over. Advisory only (like OP-TEE's single tee-supplicant owning /data/tee):
 * it protects against accidents, not against a hostile process, which the threat model covers
 * through authentication and the state counter, not through locking.
 */
import { constants as fsc } from 'node:fs';
import { open, readFile, realpath, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { TeeResult, VosError } from '@openvse/protocol';

const LOCK_FILE = '.lock';
const openInProcess = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function tryCreate(path: string): Promise<boolean> {
  try {
    const fh = await open(path, fsc.O_CREAT | fsc.O_EXCL | fsc.O_WRONLY, 0o600);
    try {
      await fh.writeFile(String(process.pid));
    } finally {
      await fh.close();
    }
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

/** Takes the lock on `dir`; returns the release function. */
export async function lockStore(dir: string): Promise<() => Promise<void>> {
  const real = await realpath(dir);
  if (openInProcess.has(real)) {
    throw new VosError(TeeResult.ERROR_ACCESS_CONFLICT, 'sealed store is already open in this process');
  }
  openInProcess.add(real);
  const path = join(real, LOCK_FILE);
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      if (await tryCreate(path)) {
        return async () => {
          await unlink(path).catch(() => undefined);
          openInProcess.delete(real);
        };
      }
      const owner = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
        throw new VosError(TeeResult.ERROR_ACCESS_CONFLICT, 'sealed store is in use by another process');
      }
      await unlink(path).catch(() => undefined); // stale: its owner is gone
    }
    throw new VosError(TeeResult.ERROR_ACCESS_CONFLICT, 'sealed store lock could not be taken');
  } catch (e) {
    openInProcess.delete(real);
    throw e;
  }
}
