/**
 * Token PAN generation in a configured token BIN range (docs/design.md "Tokenization and
 * authorization"; EMVCo Payment Tokenisation: a token is a Luhn-valid surrogate PAN from a BIN
 * range reserved for tokens). Random account digits, then the Luhn check digit; uniqueness is
 * the UNIQUE(token_pan) constraint, the caller retries on a collision.
 */
import { randomInt } from 'node:crypto';
import { luhnCheckDigit } from '@openvse/emv/codec';
import { ApiErrorCode } from '@openvse/protocol';
import { ServerError } from '../errors.js';

/** A token BIN range: every token PAN of a profile starts with `bin` and has `panLength` digits. */
export interface TokenBinRange {
  /** Leading digits of every token PAN of this range (6–11 digits). */
  bin: string;
  /** Total token PAN length, 13–19. */
  panLength: number;
}

/** ERR_CONFIG unless the range is usable. */
export function checkTokenBin(r: TokenBinRange): void {
  if (!/^[0-9]{6,11}$/.test(r.bin) || !Number.isInteger(r.panLength) || r.panLength < 13 || r.panLength > 19)
    throw new ServerError(ApiErrorCode.CONFIG, 'tokenBin: expected 6–11 digits and a PAN length of 13–19');
  if (r.panLength - r.bin.length < 4)
    throw new ServerError(ApiErrorCode.CONFIG, 'tokenBin: leaves fewer than 3 account digits');
}

/** A random Luhn-valid PAN of the range (uniqueness is the caller's insert). */
export function generateTokenPan(r: TokenBinRange): string {
  let body = r.bin;
  while (body.length < r.panLength - 1) body += String(randomInt(10));
  return body + luhnCheckDigit(body);
}

/** True when `pan` belongs to the range. */
export function inTokenRange(pan: string, r: TokenBinRange): boolean {
  return pan.length === r.panLength && pan.startsWith(r.bin);
}
