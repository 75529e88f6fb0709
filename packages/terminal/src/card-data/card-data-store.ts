/**
 * The card's data objects as the kernel received them (EMV Book 3 §7; Book C-2 §4 "TLV
 * Database"). Primitive objects only, keyed by uppercase tag. Data from the GPO response and
 * the records may not repeat a tag: C-2 treats a redundant primitive object as a card data
 * error (ERR_CARD_DATA_REDUNDANT). The FCI and the final cryptogram response are kept too, but
 * they may restate a tag (e.g. 50 in the FCI and in a record; 9F36 in GPO and GENERATE AC).
 */
import type { TlvNode } from '@openvse/emv/tlv';
import { TerminalErrorCode } from '../errors.js';
import { endApplication } from '../session/kernel-stop.js';

/** Where a data object came from. */
export type CardDataOrigin = 'fci' | 'gpo' | 'record' | 'cryptogram';

function* primitives(nodes: readonly TlvNode[]): Generator<TlvNode> {
  for (const n of nodes) {
    if (n.constructed) yield* primitives(n.children ?? []);
    else yield n;
  }
}

export class CardDataStore {
  private readonly values = new Map<string, Uint8Array>();
  private readonly origins = new Map<string, CardDataOrigin>();

  get(tag: string): Uint8Array | undefined {
    return this.values.get(tag.toUpperCase());
  }

  has(tag: string): boolean {
    return this.values.has(tag.toUpperCase());
  }

  originOf(tag: string): CardDataOrigin | undefined {
    return this.origins.get(tag.toUpperCase());
  }

  /** Adds every primitive object under `nodes` (templates are walked into). */
  addAll(nodes: readonly TlvNode[], origin: CardDataOrigin): void {
    for (const n of primitives(nodes)) this.set(n.tag, n.value, origin);
  }

  set(tag: string, value: Uint8Array, origin: CardDataOrigin): void {
    const t = tag.toUpperCase();
    const prev = this.origins.get(t);
    const strict = (o: CardDataOrigin | undefined) => o === 'gpo' || o === 'record';
    if (prev !== undefined && strict(prev) && strict(origin))
      throw endApplication(TerminalErrorCode.CARD_DATA_REDUNDANT, `data object ${t} received twice`, {
        tag: t,
      });
    this.values.set(t, new Uint8Array(value));
    this.origins.set(t, origin);
  }

  entries(): IterableIterator<[string, Uint8Array]> {
    return this.values.entries();
  }
}
