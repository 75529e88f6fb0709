/**
 * Assembles the Outcome of a transaction from its context (EMV Contactless Book A §6.2): the
 * card and terminal data objects, the cardholder data the POS shows or sends (PAN, PSN, track 2,
 * expiry) and, when a cryptogram was produced, the field-55 chip data. Terminal-sourced values
 * win over anything the card sent under the same tag, so a card cannot rewrite 95/9F37/9F02 in
 * the authorisation message.
 */
import { bytesToHex, parsePanCn, parseTrack2 } from '@openvse/emv/codec';
import type { KernelId } from '../config/terminal-config.js';
import type { TransactionContext } from '../session/transaction-context.js';
import { buildChipData } from './chip-data.js';
import type { CryptogramType, CvmPerformed, Outcome, OutcomeReason, OutcomeType } from './outcome.js';

export interface OutcomeExtras {
  kernel: KernelId | null;
  reason?: OutcomeReason;
  cryptogramType?: CryptogramType;
  cvm?: CvmPerformed;
  aid?: string;
  applicationLabel?: string;
  /** Put chip data in the outcome (a cryptogram was produced). */
  chipData?: boolean;
}

export function buildOutcome(ctx: TransactionContext, type: OutcomeType, x: OutcomeExtras): Outcome {
  const data = new Map<string, Uint8Array>([...ctx.card.entries(), ...ctx.terminalData.entries()]);
  const t2raw = ctx.card.get('57');
  const t2 = t2raw ? parseTrack2(t2raw) : undefined;
  const panRaw = ctx.card.get('5A');
  const psn = ctx.card.get('5F34');
  const exp = ctx.card.get('5F24');
  const out: Outcome = { type, kernel: x.kernel, data, trace: ctx.trace };
  if (x.reason) out.reason = x.reason;
  const pan = (panRaw && parsePanCn(panRaw)) ?? t2?.pan;
  if (pan) out.pan = pan;
  if (psn?.length === 1) out.panSequence = bytesToHex(psn);
  if (t2raw) out.track2 = bytesToHex(t2raw);
  if (exp?.length === 3) out.expiry = bytesToHex(exp);
  else if (t2) out.expiry = t2.expiry;
  if (x.aid) out.aid = x.aid;
  if (x.applicationLabel) out.applicationLabel = x.applicationLabel;
  if (x.cryptogramType) out.cryptogramType = x.cryptogramType;
  if (x.cvm) out.cvm = x.cvm;
  const tvr = ctx.terminalData.get('95');
  if (tvr) out.tvr = bytesToHex(tvr);
  if (x.chipData) out.chipData = buildChipData(data);
  return out;
}
