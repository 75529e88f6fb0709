/**
 * The data the replenishment proof covers (docs/cbp-protocol.md §3 `replenish`):
 *
 *   FF 01 ‖ BCD("0" ‖ API) ‖ firstATC ‖ lastATC ‖ Σ (ATC ‖ UN ‖ amount as n12)
 *
 * The LUK MACs two kinds of message: cryptogram inputs and this proof. `FF 01` keeps them apart
 * by construction, not by length: every cryptogram input made with a LUK (CVN 0x43) starts with
 * the amount authorised (9F02, format n: BCD), whose first byte is at most 0x99, so no proof input
 * is ever a cryptogram input and a proof MAC can never be replayed as a cryptogram (or back).
 * `01` versions the layout.
 *
 * ATCs are 2 bytes big-endian, UN 4 bytes, amounts 6-byte BCD (EMV Book 3 Annex A, format n).
 * The TA MACs it with the outgoing LUK (ISO/IEC 9797-1 MAC algorithm 3, padding method 2); the
 * server recomputes it from its own authorization log. Defined here so both build the same bytes.
 */

/** The first bytes of every proof input: the domain tag FF (never a BCD digit pair) and version 01. */
export const REPLENISH_PROOF_DOMAIN = Object.freeze([0xff, 0x01] as const);

/** Appends a string of hex digits (decimal digits are hex digits too: BCD), two to a byte. */
function pushNibbles(out: number[], digits: string, what: string): void {
  if (digits.length % 2 !== 0 || !/^[0-9A-Fa-f]*$/.test(digits)) throw new RangeError(what);
  for (let i = 0; i < digits.length; i += 2) out.push(Number.parseInt(digits.slice(i, i + 2), 16));
}

/** Appends `n` (0..65535) big-endian. */
function pushU16(out: number[], n: number, what: string): void {
  if (!Number.isInteger(n) || n < 0 || n > 0xffff) throw new RangeError(what);
  out.push(n >>> 8, n & 0xff);
}

/** The proof's input bytes. Throws RangeError for an API, ATC, UN or amount out of syntax. */
export function replenishMacData(
  api: string,
  firstAtc: number,
  lastAtc: number,
  log: ReadonlyArray<{ atc: number; un: string; amount: number }>,
): Uint8Array {
  if (!/^[0-9]{7}$/.test(api)) throw new RangeError('api: expected 7 digits');
  const out: number[] = [...REPLENISH_PROOF_DOMAIN];
  pushNibbles(out, `0${api}`, 'api');
  pushU16(out, firstAtc, 'firstAtc');
  pushU16(out, lastAtc, 'lastAtc');
  for (const e of log) {
    if (!/^[0-9A-Fa-f]{8}$/.test(e.un)) throw new RangeError('un: expected 8 hex digits');
    if (!Number.isInteger(e.amount) || e.amount < 0 || e.amount > 999_999_999_999)
      throw new RangeError('amount');
    pushU16(out, e.atc, 'atc');
    pushNibbles(out, e.un, 'un');
    pushNibbles(out, String(e.amount).padStart(12, '0'), 'amount');
  }
  return Uint8Array.from(out);
}
