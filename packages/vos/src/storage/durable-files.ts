/**
 * Crash-safe file writes for sealed storage, after OP-TEE REE FS (fs_htree.c): object files are
 * written out of place (a new file under a fresh name, fsynced, never overwritten); a directory
 * slot is created once by temp file and rename, then overwritten in place, which is safe because
 * there are two of them (overwriteFile). File-system errors become GP storage codes.
 *
 * These stay asynchronous (fs/promises): on Node 20 the permission model V-OS runs under at L1
 * refuses fsyncSync and the callback fsync, and only FileHandle#sync is allowed (measured).
 */
import { randomBytes } from 'node:crypto';
import { constants as fsc } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { TeeResult, VosError } from '@openvse/protocol';

/** ENOSPC/EDQUOT/EFBIG → TEE_ERROR_STORAGE_NO_SPACE; other file-system errors →
 * TEE_ERROR_STORAGE_NOT_AVAILABLE; anything else → TEE_ERROR_GENERIC (no message text leaks). */
export function storageError(e: unknown, what: string): VosError {
  if (e instanceof VosError) return e;
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (typeof code !== 'string' || !/^E[A-Z]+$/.test(code)) {
    return new VosError(TeeResult.ERROR_GENERIC, `${what} failed (internal error)`);
  }
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG') {
    return new VosError(TeeResult.ERROR_STORAGE_NO_SPACE, `${what}: no space left (${code})`);
  }
  return new VosError(TeeResult.ERROR_STORAGE_NOT_AVAILABLE, `${what} failed (${code})`);
}

export async function fsyncDir(dir: string): Promise<void> {
  const dh = await open(dir, fsc.O_RDONLY);
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}

/** Creates a new file (never overwrites), writes it and fsyncs it. */
export async function writeNewFile(path: string, bytes: Uint8Array): Promise<void> {
  const fh = await open(path, fsc.O_CREAT | fsc.O_EXCL | fsc.O_WRONLY, 0o600);
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Suffix of temp files (an interrupted slot creation leaves one; removed at open). */
export const TMP_SUFFIX = '.tmp';

/**
 * Creates `dir/name` atomically: a temp file written and fsynced, renamed into place (POSIX
 * rename(2) is atomic within a file system), then the directory fsynced. For a directory slot
 * that does not exist yet: a torn *first* slot would be the only slot file, and a store whose
 * every slot file fails authentication refuses to open. `onVisible` runs right after the rename.
 */
export async function createFileAtomically(
  dir: string,
  name: string,
  bytes: Uint8Array,
  onVisible: () => void,
): Promise<void> {
  const tmp = join(dir, `.${name}.${randomBytes(6).toString('hex')}${TMP_SUFFIX}`);
  try {
    await writeNewFile(tmp, bytes);
    await rename(tmp, join(dir, name));
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  onVisible();
  await fsyncDir(dir);
}

/**
 * Overwrites `path` in place (creating it if absent) and fsyncs it: for a directory slot only.
 * A torn write leaves that slot failing authentication while the other slot still holds the
 * committed state, so the A/B pair already gives the atomicity a temp file and a rename would
 * (OP-TEE fs_htree.c keeps two header versions for the same reason). `onWritten` runs once
 * every byte is written, before the fsync: from then on the new content may be what a reader
 * finds, even if the fsync fails. Only for a slot file that exists (see createFileAtomically).
 */
export async function overwriteFile(path: string, bytes: Uint8Array, onWritten: () => void): Promise<void> {
  const fh = await open(path, fsc.O_CREAT | fsc.O_WRONLY | fsc.O_TRUNC, 0o600);
  try {
    await fh.writeFile(bytes);
    onWritten();
    await fh.sync();
  } finally {
    await fh.close();
  }
}
