/**
 * Authorisation response cryptograms, EMV Book 2 §8.2.
 *
 * Method 1 (§8.2.1): ARPC = TDES(K)[ARQC ⊕ (ARC ‖ 00×6)], 8 bytes; tag 91 = ARPC ‖ ARC.
 * Method 2 (§8.2.2): ARPC = leftmost 4 bytes of MAC algorithm 3 (padding method 2) under K over
 *   ARQC ‖ CSU(4) ‖ Proprietary Authentication Data (0–8 bytes); tag 91 = ARPC ‖ CSU ‖ PAD.
 * Which K (ICC MK or the AC session key) depends on the CVN (see cvn/).
 */

import { concatBytes, equalBytes, zeroize } from '../codec/bytes.js';
import { toBytes } from '../codec/hex.js';
import { tdesEcbEncrypt } from '../crypto/des.js';
import { macIso9797Alg3 } from '../crypto/mac-iso9797.js';
import { EmvError, EmvErrorCode } from '../errors.js';

type Bytes = Uint8Array | string;

function exact(value: Bytes, n: number, what: string): Uint8Array {
  const b = toBytes(value, what);
  if (b.length !== n)
    throw new EmvError(EmvErrorCode.DATA_LENGTH, `${what}: expected ${n} bytes, got ${b.length}`);
  return b;
}

/** ARPC method 1 (8 bytes). `arc` is the 2-byte authorisation response code (tag 8A). */
export function generateArpcMethod1(key: Bytes, arqc: Bytes, arc: Bytes): Uint8Array {
  const a = exact(arqc, 8, 'arqc');
  const rc = exact(arc, 2, 'arc');
  a[0]! ^= rc[0]!;
  a[1]! ^= rc[1]!;
  const k = toBytes(key, 'key');
  try {
    if (k.length !== 16)
      throw new EmvError(EmvErrorCode.KEY_LENGTH, `key: expected a 16-byte key, got ${k.length}`);
    return tdesEcbEncrypt(k, a);
  } finally {
    zeroize(k, a);
  }
}

/** ARPC method 2 (4 bytes). `csu` is the 4-byte card status update; PAD is 0–8 bytes. */
export function generateArpcMethod2(
  key: Bytes,
  arqc: Bytes,
  csu: Bytes,
  proprietaryAuthData?: Bytes,
): Uint8Array {
  const a = exact(arqc, 8, 'arqc');
  const c = exact(csu, 4, 'csu');
  const pad = proprietaryAuthData === undefined ? new Uint8Array(0) : toBytes(proprietaryAuthData, 'pad');
  if (pad.length > 8) throw new EmvError(EmvErrorCode.DATA_LENGTH, 'proprietaryAuthData: at most 8 bytes');
  const data = concatBytes(a, c, pad);
  const mac = macIso9797Alg3(key, data, 2);
  try {
    return mac.slice(0, 4);
  } finally {
    zeroize(mac, data);
  }
}

/** Card side of method 1: constant-time check of a received ARPC. */
export function verifyArpcMethod1(key: Bytes, arqc: Bytes, arc: Bytes, arpc: Bytes): boolean {
  const e = generateArpcMethod1(key, arqc, arc);
  return equalBytes(e, toBytes(arpc, 'arpc'));
}

/** Card side of method 2: constant-time check of a received ARPC. */
export function verifyArpcMethod2(
  key: Bytes,
  arqc: Bytes,
  csu: Bytes,
  arpc: Bytes,
  proprietaryAuthData?: Bytes,
): boolean {
  const e = generateArpcMethod2(key, arqc, csu, proprietaryAuthData);
  return equalBytes(e, toBytes(arpc, 'arpc'));
}
