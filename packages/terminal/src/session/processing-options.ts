/**
 * GET PROCESSING OPTIONS and its answer (EMV Book 3 §6.5.8; Books C-2 §5.3 / C-3 §5.2):
 * `83 L <PDOL data>` built from the PDOL with the terminal's data (Book 3 §5.4), then a
 * Format 2 '77' template, or Format 1 '80' = AIP (2) ‖ AFL (4n), whose contents go into the
 * card data store (Format 1 is split into 82 and 94).
 */
import { getProcessingOptions } from '@openvse/emv/apdu';
import { buildDolData, type DolEntry } from '@openvse/emv/dol';
import { parseTemplate } from '../card-data/response-template.js';
import { TerminalErrorCode } from '../errors.js';
import { type CardResponse, exchange } from './card-exchange.js';
import { endApplication } from './kernel-stop.js';
import { dolSource, type TransactionContext } from './transaction-context.js';

export async function sendGpo(
  ctx: TransactionContext,
  pdol: readonly DolEntry[] | undefined,
): Promise<CardResponse> {
  const data = pdol ? buildDolData(pdol, dolSource(ctx)) : new Uint8Array(0);
  if (data.length > 252)
    throw endApplication(
      TerminalErrorCode.CARD_DATA_INVALID,
      `PDOL asks for ${data.length} bytes (over 252)`,
      {
        tag: '9F38',
      },
    );
  return exchange(ctx, 'GET PROCESSING OPTIONS', getProcessingOptions(data));
}

/** Stores the GPO answer's data objects; returns which format it was. */
export function storeGpoResponse(ctx: TransactionContext, data: Uint8Array): 'format1' | 'format2' {
  const t = parseTemplate('GET PROCESSING OPTIONS', data, ['77', '80']);
  if (t.tag === '77') {
    ctx.card.addAll(t.children ?? [], 'gpo');
    return 'format2';
  }
  if (t.value.length < 2)
    throw endApplication(TerminalErrorCode.CARD_DATA_MALFORMED, 'GPO Format 1 shorter than the AIP', {
      tag: '80',
    });
  ctx.card.set('82', t.value.subarray(0, 2), 'gpo');
  if (t.value.length > 2) ctx.card.set('94', t.value.subarray(2), 'gpo');
  return 'format1';
}
