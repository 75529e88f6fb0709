/**
 * Terminal action analysis (EMV Book 3 §10.7; Book C-2 §7.8): compare the TVR with the
 * Terminal Action Codes and the card's Issuer Action Codes to choose the cryptogram to ask for.
 * - TVR ∧ (TAC-Denial ∨ IAC-Denial) ≠ 0 → AAC (decline offline);
 * - online-only terminal → ARQC;
 * - online-capable: TVR ∧ (TAC-Online ∨ IAC-Online) ≠ 0 → ARQC, else TC;
 * - offline-only: TVR ∧ (TAC-Default ∨ IAC-Default) ≠ 0 → AAC, else TC.
 * Absent IACs: Denial all zeros, Online and Default all ones (Book 3 §10.7).
 */
import type { CryptogramType } from '../outcome/outcome.js';
import type { Tvr } from '../tvr/tvr.js';

/** Terminal and issuer action codes (5 bytes each); absent IACs take Book 3's defaults. */
export interface ActionCodes {
  tacDenial: Uint8Array;
  tacOnline: Uint8Array;
  tacDefault: Uint8Array;
  iacDenial?: Uint8Array;
  iacOnline?: Uint8Array;
  iacDefault?: Uint8Array;
}

const or = (a: Uint8Array, b: Uint8Array | undefined, absent: number): Uint8Array =>
  Uint8Array.from(a, (x, i) => x | (b ? (b[i] ?? 0) : absent));

/** The cryptogram to ask for (Book 3 §10.7), from the TVR and the action codes. */
export function terminalActionAnalysis(
  tvr: Tvr,
  codes: ActionCodes,
  terminal: { onlineCapable: boolean; offlineCapable: boolean },
): CryptogramType {
  if (tvr.matches(or(codes.tacDenial, codes.iacDenial, 0x00))) return 'AAC';
  if (!terminal.offlineCapable) return 'ARQC';
  if (terminal.onlineCapable) return tvr.matches(or(codes.tacOnline, codes.iacOnline, 0xff)) ? 'ARQC' : 'TC';
  return tvr.matches(or(codes.tacDefault, codes.iacDefault, 0xff)) ? 'AAC' : 'TC';
}

/** GENERATE AC P1 (Book 3 §6.5.5.2). */
export const AC_P1: Readonly<Record<CryptogramType, number>> = { AAC: 0x00, TC: 0x40, ARQC: 0x80 };

/** Book 3 §9.3: the card may answer with the type asked for or a lower one (AAC < ARQC < TC). */
export function cryptogramAllowed(requested: CryptogramType, got: CryptogramType): boolean {
  const rank: Record<CryptogramType, number> = { AAC: 0, ARQC: 1, TC: 2 };
  return rank[got] <= rank[requested];
}
