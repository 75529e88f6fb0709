/**
 * Token PAN generation in a configured token BIN range (docs/design.md "Tokenization and
 * authorization"; EMVCo Payment Tokenisation: a token is a Luhn-valid surrogate PAN from a BIN
 * range reserved for tokens). Random account digits, then the Luhn check digit; uniqueness is
 * the UNIQUE(token_pan) constraint, the caller retries on a collision.
 */
import { randomInt } from 'node:crypto';
import { ServerError, ServerErrorCode } from '../errors.js';
import { luhnCheckDigit } from './luhn.js';

export interface TokenBinRange {
  /** Leading digits of every token PAN of this range (6–11 digits). */
  bin: string;
  /** Total token PAN length, 13–19. */
  panLength: number;
}

export function checkTokenBin(r: TokenBinRange): void {
  if (!/^[0-9]{6,11}$/.test(r.bin) || !Number.isInteger(r.panLength) || r.panLength < 13 || r.panLength > 19)
    throw new ServerError(ServerErrorCode.CONFIG, 'tokenBin: expected 6–11 digits and a PAN length of 13–19');
  if (r.panLength - r.bin.length < 4)
    throw new ServerError(ServerErrorCode.CONFIG, 'tokenBin: leaves fewer than 3 account digits');
}

export function generateTokenPan(r: TokenBinRange): string {
  let body = r.bin;
  while (body.length < r.panLength - 1) body += String(randomInt(10));
  return body + luhnCheckDigit(body);
}

export function inTokenRange(pan: string, r: TokenBinRange): boolean {
  return pan.length === r.panLength && pan.startsWith(r.bin);
}
