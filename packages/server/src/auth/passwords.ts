/**
 * Operator passwords (docs/decisions.md "Operator sign-in"): a memory-hard hash, node:crypto's
 * scrypt (RFC 7914), no dependency. The stored form carries its parameters and salt, PHC-like:
 * `scrypt$ln=17,r=8,p=1$<salt base64url>$<hash base64url>` (N = 2^ln). The default, N = 2^17,
 * r = 8, p = 1 (128 MiB, a few hundred ms), is OWASP's recommendation for scrypt; a hash with
 * weaker parameters than {@link MIN_LOG_N} / r 8 is refused when the configuration is read.
 * Verification runs on libuv's thread pool (async scrypt), compares in constant time, and an
 * unknown user costs the same as a wrong password (a dummy hash is verified).
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';

/** Default and minimum cost (log2 N). */
export const DEFAULT_LOG_N = 17;
export const MIN_LOG_N = 16;
const KEY_LEN = 32;
const SALT_LEN = 16;
const FORMAT = /^scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9_-]{16,})\$([A-Za-z0-9_-]{43,})$/;

interface Parsed {
  logN: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

function scrypt(password: string, salt: Buffer, logN: number, r: number, p: number, len: number) {
  const N = 2 ** logN;
  return new Promise<Buffer>((resolve, reject) =>
    scryptCb(password.normalize('NFC'), salt, len, { N, r, p, maxmem: 256 * N * r }, (e, key) =>
      e ? reject(e) : resolve(key),
    ),
  );
}

/** Parses a stored hash; undefined when it is not one this module writes or it is too weak. */
export function parsePasswordHash(stored: string): Parsed | undefined {
  const m = FORMAT.exec(stored);
  if (!m) return undefined;
  const [logN, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (logN < MIN_LOG_N || logN > 22 || r < 8 || r > 32 || p < 1 || p > 16) return undefined;
  const salt = Buffer.from(m[4]!, 'base64url');
  const hash = Buffer.from(m[5]!, 'base64url');
  if (salt.length < SALT_LEN || hash.length < KEY_LEN) return undefined;
  return { logN, r, p, salt, hash };
}

/** Hashes a password for `auth.operators.accounts[].passwordHash`. */
export async function hashOperatorPassword(password: string, logN = DEFAULT_LOG_N): Promise<string> {
  if (typeof password !== 'string' || password.length < 12)
    throw new Error('an operator password has at least 12 characters');
  if (!Number.isInteger(logN) || logN < MIN_LOG_N || logN > 22) throw new Error('scrypt cost out of range');
  const salt = randomBytes(SALT_LEN);
  const hash = await scrypt(password, salt, logN, 8, 1, KEY_LEN);
  return `scrypt$ln=${logN},r=8,p=1$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

/** True when `password` matches `stored` (constant-time comparison). */
export async function verifyOperatorPassword(password: string, stored: Parsed): Promise<boolean> {
  const got = await scrypt(password, stored.salt, stored.logN, stored.r, stored.p, stored.hash.length);
  return timingSafeEqual(got, stored.hash);
}

let dummy: Promise<Parsed> | undefined;
/** A hash of a random password, verified for unknown users so that they take as long. */
export function dummyPasswordHash(): Promise<Parsed> {
  dummy ??= hashOperatorPassword(randomBytes(24).toString('base64url')).then((h) => parsePasswordHash(h)!);
  return dummy;
}
