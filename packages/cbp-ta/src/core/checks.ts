/**
 * Argument checks shared by the commands (docs/cbp-protocol.md §4: a command argument of the
 * wrong type, size or syntax is ERR_BAD_PARAMETERS, TEE_ERROR_BAD_PARAMETERS at the V-OS
 * boundary). The core checks its arguments itself, because the software platform calls it
 * directly, without the entry module's parameter checks.
 */
import { CARD_ID, CbpError, CbpErrorCode } from '@openvse/protocol';

/** A CbpError ERR_BAD_PARAMETERS naming what is wrong. */
export const bad = (message: string): CbpError => new CbpError(CbpErrorCode.BAD_PARAMETERS, message);

/** True for an integer in min..max. */
export function isInt(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

/** A card id argument (the syntax of protocol's CARD_ID). */
export function checkCardId(cardId: unknown): string {
  if (typeof cardId !== 'string' || !CARD_ID.test(cardId)) throw bad('cardId');
  return cardId;
}

/** A bytes argument. */
export function checkBytes(v: unknown, what: string): Uint8Array {
  if (!(v instanceof Uint8Array)) throw bad(`${what} must be bytes`);
  return v;
}
