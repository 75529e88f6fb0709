/**
 * EMV Common Session Key derivation, EMV Book 2 Annex A1.3.1 (docs/emv-cryptography.md §2.2).
 *
 * TDES (block n = 8 bytes, MK k = 16 bytes): R is 8 bytes; F1 = R with R[2] := F0,
 *   F2 = R with R[2] := 0F; SK = TDES(MK)[F1] ‖ TDES(MK)[F2]; odd parity is then set unless
 *   `parity: 'none'` is asked for (the parity bits change no cryptogram).
 * AES (block n = 16 bytes): R is 16 bytes. For a 16-byte MK (k = n), SK = AES(MK)[R] (no F0/0F
 *   tweak); for 24/32-byte MKs, SK = leftmost k bytes of AES(MK)[F1] ‖ AES(MK)[F2].
 * For application cryptograms R = ATC ‖ 00…00; Mastercard's SKD and OpenVSE's LUK use other R.
 */

import { concatBytes, zeroize } from '../codec/bytes.js';
import { toBytes } from '../codec/hex.js';
import { aesEcbEncrypt } from '../crypto/aes.js';
import { tdesEcbEncrypt } from '../crypto/des.js';
import { adjustOddParityInPlace } from '../crypto/parity.js';
import { EmvError, EmvErrorCode } from '../errors.js';

type Bytes = Uint8Array | string;

/**
 * Block cipher of a session key derivation (EMV Book 2 Annex A1.3): 'tdes' (16-byte MK, 8-byte R)
 * or 'aes' (16-, 24- or 32-byte MK, 16-byte R).
 */
export type SessionKeyAlgorithm = 'tdes' | 'aes';

/** Options of {@link deriveEmvCommonSessionKey}; a value outside those listed is ERR_BAD_ARGUMENT. */
export interface SessionKeyOptions {
  /** 'tdes' (default) or 'aes'. */
  algorithm?: SessionKeyAlgorithm;
  /** TDES only: 'odd' (default) sets odd parity on the result, 'none' returns the raw blocks. */
  parity?: 'odd' | 'none';
}

/** Merges the (algorithm | options, options) argument forms used by the session-key functions. */
export function resolveSessionKeyOptions(
  algorithmOrOptions?: SessionKeyAlgorithm | SessionKeyOptions,
  options?: SessionKeyOptions,
): Required<SessionKeyOptions> {
  const base: SessionKeyOptions =
    typeof algorithmOrOptions === 'string' ? { algorithm: algorithmOrOptions } : (algorithmOrOptions ?? {});
  const algorithm = options?.algorithm ?? base.algorithm ?? 'tdes';
  const parity = options?.parity ?? base.parity ?? 'odd';
  if (algorithm !== 'tdes' && algorithm !== 'aes')
    throw new EmvError(EmvErrorCode.BAD_ARGUMENT, "algorithm: expected 'tdes' or 'aes'");
  if (parity !== 'odd' && parity !== 'none')
    throw new EmvError(EmvErrorCode.BAD_ARGUMENT, "parity: expected 'odd' or 'none'");
  return { algorithm, parity };
}

function tweak(r: Uint8Array, value: number): Uint8Array {
  const f = new Uint8Array(r);
  f[2] = value;
  return f;
}

/**
 * EMV Common Session Key: `deriveEmvCommonSessionKey(mk, r)`, `(mk, r, 'aes')`,
 * `(mk, r, { parity: 'none' })` or `(mk, r, 'tdes', { parity: 'none' })`.
 */
export function deriveEmvCommonSessionKey(
  mk: Bytes,
  r: Bytes,
  algorithmOrOptions: SessionKeyAlgorithm | SessionKeyOptions = 'tdes',
  options?: SessionKeyOptions,
): Uint8Array {
  const { algorithm, parity } = resolveSessionKeyOptions(algorithmOrOptions, options);
  const k = toBytes(mk, 'mk');
  const rb = toBytes(r, 'r');
  let f1: Uint8Array | undefined;
  let f2: Uint8Array | undefined;
  let a: Uint8Array | undefined;
  let b: Uint8Array | undefined;
  let both: Uint8Array | undefined;
  try {
    if (algorithm === 'tdes') {
      if (k.length !== 16)
        throw new EmvError(EmvErrorCode.KEY_LENGTH, `mk: TDES master keys are 16 bytes, got ${k.length}`);
      if (rb.length !== 8)
        throw new EmvError(EmvErrorCode.DATA_LENGTH, `r: expected 8 bytes for TDES, got ${rb.length}`);
      f1 = tweak(rb, 0xf0);
      f2 = tweak(rb, 0x0f);
      // ECB encrypts each block independently: one call over F1 ‖ F2 gives SK_L ‖ SK_R.
      both = concatBytes(f1, f2);
      const sk = tdesEcbEncrypt(k, both);
      return parity === 'odd' ? adjustOddParityInPlace(sk) : sk;
    }
    if (k.length !== 16 && k.length !== 24 && k.length !== 32)
      throw new EmvError(
        EmvErrorCode.KEY_LENGTH,
        `mk: AES master keys are 16, 24 or 32 bytes, got ${k.length}`,
      );
    if (rb.length !== 16)
      throw new EmvError(EmvErrorCode.DATA_LENGTH, `r: expected 16 bytes for AES, got ${rb.length}`);
    if (k.length === 16) return aesEcbEncrypt(k, rb);
    f1 = tweak(rb, 0xf0);
    f2 = tweak(rb, 0x0f);
    a = aesEcbEncrypt(k, f1);
    b = aesEcbEncrypt(k, f2);
    both = concatBytes(a, b);
    return both.slice(0, k.length);
  } finally {
    zeroize(k, f1, f2, a, b, both);
  }
}

/** R = ATC ‖ 00… (8 bytes for TDES, 16 for AES): the usual R for application cryptogram keys. */
export function atcDiversifier(atc: Uint8Array, algorithm: SessionKeyAlgorithm = 'tdes'): Uint8Array {
  const r = new Uint8Array(algorithm === 'aes' ? 16 : 8);
  r.set(atc, 0);
  return r;
}
