/**
 * Look-ups in decoded BER-TLV trees (EMV Book 3 Annex B): first match depth-first (pre-order,
 * the order the bytes appear), a path of templates ('6F' > 'A5' > 'BF0C'), all matches, and a
 * flat tag → value map of primitive objects. Tags match case-insensitively.
 */
import { normalizeTag } from './tag.js';
import type { TlvNode } from './types.js';

function* walk(nodes: readonly TlvNode[]): Generator<TlvNode> {
  const stack: TlvNode[] = [...nodes].reverse();
  while (stack.length > 0) {
    const n = stack.pop()!;
    yield n;
    if (n.children) for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
  }
}

/** First object with `tag`, searching depth-first in byte order. */
export function findTag(nodes: readonly TlvNode[], tag: string): TlvNode | undefined {
  const t = normalizeTag(tag);
  for (const n of walk(nodes)) if (n.tag === t) return n;
  return undefined;
}

/** Every object with `tag`, in byte order. */
export function findAllTags(nodes: readonly TlvNode[], tag: string): TlvNode[] {
  const t = normalizeTag(tag);
  const out: TlvNode[] = [];
  for (const n of walk(nodes)) if (n.tag === t) out.push(n);
  return out;
}

/**
 * Follows a path of tags, each looked up among the direct children of the previous match
 * (the first of `nodes` for the first element): findTagPath(fci, ['6F', 'A5', 'BF0C']).
 */
export function findTagPath(nodes: readonly TlvNode[], path: readonly string[]): TlvNode | undefined {
  if (path.length === 0) return undefined;
  let level: readonly TlvNode[] | undefined = nodes;
  let found: TlvNode | undefined;
  for (const step of path) {
    const t = normalizeTag(step);
    found = level?.find((n) => n.tag === t);
    if (!found) return undefined;
    level = found.children;
  }
  return found;
}

/** Primitive objects flattened into tag → value; the first occurrence of a tag wins. */
export function tlvToMap(nodes: readonly TlvNode[]): Map<string, Uint8Array> {
  const m = new Map<string, Uint8Array>();
  for (const n of walk(nodes)) if (!n.constructed && !m.has(n.tag)) m.set(n.tag, n.value);
  return m;
}
