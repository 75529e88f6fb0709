/**
 * Crash-safe file writes for sealed storage, the out-of-place update discipline of OP-TEE REE FS
 * (fs_htree.c): write a new file, fsync it, rename it into place, fsync the directory. A rename
 * within one file system is atomic (POSIX rename(2)), so a reader sees the old or the new file,
 * never a torn one. File-system errors become GP storage codes.
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

export const TMP_SUFFIX = '.tmp';

/**
 * Replaces `dir/name` atomically. `onRenamed` runs right after the rename, before the directory
 * fsync, so the caller knows the new content may now be visible even if a later step fails.
 */
export async function replaceFile(
  dir: string,
  name: string,
  bytes: Uint8Array,
  onRenamed: () => void,
): Promise<void> {
  const tmp = join(dir, `.${name}.${randomBytes(6).toString('hex')}${TMP_SUFFIX}`);
  try {
    await writeNewFile(tmp, bytes);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  try {
    await rename(tmp, join(dir, name));
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  onRenamed();
  await fsyncDir(dir);
}
