/**
 * Loading the key-encryption key (docs/design.md "Storage and scale"): 32 bytes, from a file
 * (`--kek-file`: 64 hex digits, or exactly 32 raw bytes) or from the environment
 * (`OPENVSE_KEK`, 64 hex digits). The KEK is never logged; errors name the source, not the value.
 */
import { readFileSync } from 'node:fs';
import { ApiErrorCode } from '@openvse/protocol';
import { ServerError } from '../errors.js';

/** Where the KEK may come from, in order of precedence. */
export interface KekSource {
  kek?: Uint8Array | string;
  kekFile?: string;
  env?: NodeJS.ProcessEnv;
}

function fromHex(hex: string, where: string): Uint8Array {
  const h = hex.trim();
  if (!/^[0-9a-fA-F]{64}$/.test(h))
    throw new ServerError(ApiErrorCode.KEK_INVALID, `KEK from ${where}: expected 64 hex digits (32 bytes)`);
  return new Uint8Array(Buffer.from(h, 'hex'));
}

/** The 32-byte KEK (a copy the caller zeroes); ERR_KEK_INVALID names the source that failed. */
export function loadKek(src: KekSource): Uint8Array {
  if (src.kek instanceof Uint8Array) {
    if (src.kek.length !== 32) throw new ServerError(ApiErrorCode.KEK_INVALID, 'KEK: expected 32 bytes');
    return new Uint8Array(src.kek);
  }
  if (typeof src.kek === 'string') return fromHex(src.kek, 'config');
  if (src.kekFile) {
    let raw: Buffer;
    try {
      raw = readFileSync(src.kekFile);
    } catch {
      throw new ServerError(ApiErrorCode.KEK_INVALID, 'KEK file: cannot be read');
    }
    if (raw.length === 32) return new Uint8Array(raw);
    return fromHex(raw.toString('utf8'), 'file');
  }
  const env = (src.env ?? process.env).OPENVSE_KEK;
  if (env) return fromHex(env, 'OPENVSE_KEK');
  throw new ServerError(ApiErrorCode.KEK_INVALID, 'KEK: give --kek-file or OPENVSE_KEK');
}
