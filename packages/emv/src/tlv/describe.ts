/**
 * Human-readable traces of BER-TLV trees (EMV Book 3 Annex B), named from the tag dictionary
 * (Book 3 Annex A, Contactless Books C-2/C-3). One line per object:
 *   `6F FCI Template (35)` for templates, children indented two spaces deeper;
 *   `50 Application Label (4): 56495341 "VISA"` for primitives ('an'/'ans' also shown as text).
 * For logs and the CLI, not for parsing back.
 */
import { bytesToHex } from '../codec/hex.js';
import { parseTlv } from './parse.js';
import { type TagInfoOptions, tagInfo } from './tags.js';
import type { TlvNode } from './types.js';

function printable(v: Uint8Array): string {
  let s = '';
  for (const c of v) s += c >= 0x20 && c <= 0x7e ? String.fromCharCode(c) : '.';
  return s;
}

function describeInto(nodes: readonly TlvNode[], pad: string, out: string[], opts?: TagInfoOptions): void {
  for (const n of nodes) {
    const info = tagInfo(n.tag, opts);
    const head = `${pad}${n.tag} ${info?.name ?? 'Unknown tag'} (${n.value.length})`;
    if (n.constructed && n.children) {
      out.push(head);
      describeInto(n.children, `${pad}  `, out, opts);
      continue;
    }
    let line = n.value.length > 0 ? `${head}: ${bytesToHex(n.value)}` : head;
    if (info && (info.format === 'an' || info.format === 'ans')) line += ` "${printable(n.value)}"`;
    out.push(line);
  }
}

/**
 * Multi-line description of `nodes` (or of bytes, parsed with padding allowed), each line
 * starting with `indent` spaces. Pass `{ kernel: 2 }` for Kernel 2 names of shared tags.
 */
export function describeTlv(
  nodes: readonly TlvNode[] | Uint8Array,
  indent = 0,
  opts?: TagInfoOptions,
): string {
  const list = nodes instanceof Uint8Array ? parseTlv(nodes, { allowPadding: true }) : nodes;
  const out: string[] = [];
  describeInto(list, ' '.repeat(Math.max(0, Math.trunc(indent) || 0)), out, opts);
  return out.join('\n');
}
