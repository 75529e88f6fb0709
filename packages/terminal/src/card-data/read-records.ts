/**
 * READ RECORD of every record the AFL names (EMV Book 3 §10.2; Book C-2 §3.4 / C-3 §5.4):
 * `00 B2 rec (SFI<<3)|4 00`, each answer a '70' template whose primitive objects go into the
 * card data store. A status word other than 9000 or a malformed record ends the application.
 */
import { readRecord } from '@openvse/emv/apdu';
import { exchange, requireSw } from '../session/card-exchange.js';
import type { TransactionContext } from '../session/transaction-context.js';
import type { AflEntry } from './afl.js';
import { parseTemplate } from './response-template.js';

export async function readAflRecords(ctx: TransactionContext, afl: readonly AflEntry[]): Promise<void> {
  for (const e of afl) {
    for (let rec = e.first; rec <= e.last; rec++) {
      const step = `READ RECORD SFI ${e.sfi} record ${rec}`;
      const r = await exchange(ctx, step, readRecord(e.sfi, rec));
      requireSw(step, r);
      const t = parseTemplate(step, r.data, ['70']);
      ctx.card.addAll(t.children ?? [], 'record');
    }
  }
}
