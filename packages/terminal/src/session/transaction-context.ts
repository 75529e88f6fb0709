/**
 * State of one transaction shared by Entry Point and the kernel that runs (EMV Contactless
 * Book A §5: the reader's data store for the transaction): configuration, the transaction,
 * the terminal's data objects, the card's data objects and the APDU trace.
 */

import type { CardDataStore } from '../card-data/card-data-store.js';
import type { KernelId, TerminalConfig } from '../config/terminal-config.js';
import type { ResolvedTransaction } from '../config/terminal-data.js';
import type { ApduTrace } from '../trace/apdu-trace.js';
import type { CardTransport } from '../transport/card-transport.js';

export interface TransactionContext {
  readonly transport: CardTransport;
  readonly config: TerminalConfig;
  readonly tx: ResolvedTransaction;
  /** Terminal-sourced data objects (mutable: 95, 9F34, 9F66 change during the kernel). */
  readonly terminalData: Map<string, Uint8Array>;
  /** Card-sourced data objects. */
  readonly card: CardDataStore;
  readonly trace: ApduTrace;
  /** The kernel running, for tag names in the trace (null during Entry Point). */
  kernel: KernelId | null;
}

/** DOL source: terminal data first, then card data (Book 3 §5.4: the terminal fills a DOL from what it knows). */
export function dolSource(ctx: TransactionContext): (tag: string) => Uint8Array | undefined {
  return (tag: string) => ctx.terminalData.get(tag) ?? ctx.card.get(tag);
}
