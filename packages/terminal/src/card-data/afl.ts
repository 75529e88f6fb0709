/**
 * Application File Locator (tag 94, EMV Book 3 §10.2): 4-byte entries
 * `SFI<<3 | first record | last record | records for offline data authentication`.
 * An AFL whose length is not a multiple of 4, an SFI of 0 or 31, a first record of 0, a last
 * record before the first, or more ODA records than the range holds is a card data error.
 */
import { TerminalErrorCode } from '../errors.js';
import { endApplication } from '../session/kernel-stop.js';

export interface AflEntry {
  sfi: number;
  first: number;
  last: number;
  odaRecords: number;
}

export function parseAfl(afl: Uint8Array): AflEntry[] {
  const bad = (why: string) =>
    endApplication(TerminalErrorCode.CARD_DATA_INVALID, `AFL (94): ${why}`, { tag: '94' });
  if (afl.length === 0 || afl.length % 4 !== 0)
    throw bad(`length ${afl.length} is not a non-zero multiple of 4`);
  const out: AflEntry[] = [];
  for (let i = 0; i < afl.length; i += 4) {
    const sfi = afl[i]! >> 3;
    const first = afl[i + 1]!;
    const last = afl[i + 2]!;
    const odaRecords = afl[i + 3]!;
    if ((afl[i]! & 0x07) !== 0 || sfi === 0 || sfi === 31) throw bad(`entry ${i / 4 + 1}: invalid SFI byte`);
    if (first === 0 || last < first) throw bad(`entry ${i / 4 + 1}: invalid record range ${first}..${last}`);
    if (odaRecords > last - first + 1) throw bad(`entry ${i / 4 + 1}: more ODA records than records`);
    out.push({ sfi, first, last, odaRecords });
  }
  return out;
}
