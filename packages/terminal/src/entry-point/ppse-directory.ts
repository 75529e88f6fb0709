/**
 * The PPSE answer (EMV Contactless Book B §3.3.2; Book 1 §12.2.3 FCI of a directory):
 * `6F { 84 "2PAY.SYS.DDF01", A5 { BF0C { 61 { 4F AID, 50 label, 87 priority, 9F2A kernel id,
 * [9F29 extended selection] } … } } }`. An entry without a well-formed 4F (5..16 bytes) is
 * skipped, as Book B asks; a missing or malformed BF0C means no directory at all.
 */
import { bytesToHex } from '@openvse/emv/codec';
import { findTagPath, type TlvNode } from '@openvse/emv/tlv';
import { TerminalErrorCode } from '../errors.js';
import { endApplication } from '../session/kernel-stop.js';

/** One application of the PPSE directory (template 61). */
export interface DirectoryEntry {
  /** ADF name (4F), hex. */
  aid: string;
  label?: string;
  /** Application Priority Indicator b4-b1: 1 highest … 15 lowest; 0 = no priority given. */
  priority: number;
  /** Kernel Identifier (9F2A) first byte, when present. */
  kernelId?: number;
  /** Position in the directory (ties keep this order). */
  index: number;
}

/** The directory entries of a SELECT PPSE answer; a missing BF0C ends the transaction (KernelStop). */
export function parsePpseDirectory(fci: TlvNode): DirectoryEntry[] {
  const bf0c = findTagPath([fci], ['6F', 'A5', 'BF0C']);
  if (!bf0c?.children)
    throw endApplication(
      TerminalErrorCode.CARD_DATA_MISSING,
      'SELECT PPSE: no FCI Issuer Discretionary Data (BF0C)',
      {
        tag: 'BF0C',
      },
    );
  const out: DirectoryEntry[] = [];
  for (const entry of bf0c.children) {
    if (entry.tag !== '61' || !entry.children) continue;
    const get = (t: string) => entry.children!.find((n) => n.tag === t && !n.constructed)?.value;
    const aid = get('4F');
    if (!aid || aid.length < 5 || aid.length > 16) continue;
    const label = get('50');
    const prio = get('87');
    const kid = get('9F2A');
    out.push({
      aid: bytesToHex(aid),
      label: label ? Array.from(label, (b) => String.fromCharCode(b)).join('') : undefined,
      priority: prio && prio.length === 1 ? prio[0]! & 0x0f : 0,
      kernelId: kid && kid.length > 0 ? kid[0]! : undefined,
      index: out.length,
    });
  }
  return out;
}
