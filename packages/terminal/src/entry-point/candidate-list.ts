/**
 * Candidate list (EMV Contactless Book B §3.3.2.5–§3.3.3): keep the directory entries whose
 * ADF name begins with a terminal-supported AID and whose requested kernel (9F2A, when present
 * and not zero) is the kernel the terminal runs for that AID; when 9F2A is absent the AID's
 * default kernel applies (Visa → 3, Mastercard → 2). Order: priority 1 (highest) … 15, then
 * entries without priority, ties in directory order.
 */
import type { KernelId, SupportedAid } from '../config/terminal-config.js';
import type { DirectoryEntry } from './ppse-directory.js';

/** A directory entry the terminal supports, with the kernel and terminal AID it matched. */
export interface Candidate {
  entry: DirectoryEntry;
  kernel: KernelId;
  terminalAid: string;
}

/** The supported directory entries, best priority first (Book B §3.3.3). */
export function buildCandidateList(
  entries: readonly DirectoryEntry[],
  supported: readonly SupportedAid[],
): Candidate[] {
  const out: Candidate[] = [];
  for (const entry of entries) {
    const match = supported.find((s) => entry.aid.startsWith(s.aid.toUpperCase()));
    if (!match) continue;
    if (entry.kernelId !== undefined && entry.kernelId !== 0 && entry.kernelId !== match.kernel) continue;
    out.push({ entry, kernel: match.kernel, terminalAid: match.aid.toUpperCase() });
  }
  const rank = (c: Candidate) => (c.entry.priority === 0 ? 16 : c.entry.priority);
  return out.sort((a, b) => rank(a) - rank(b) || a.entry.index - b.entry.index);
}
