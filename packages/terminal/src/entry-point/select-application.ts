/**
 * Entry Point for one tap (EMV Contactless Book B §3.1–§3.3): pre-processing against the
 * reader limits, SELECT PPSE, candidate list, final SELECT of the best candidate, and the FCI
 * data the kernel needs (84 DF name, 50 label, 9F38 PDOL). A candidate whose SELECT fails
 * (SW not 9000) is dropped and the next one tried (Book B §3.3.3.3).
 */
import { selectByName, selectPpse } from '@openvse/emv/apdu';
import { bytesToHex } from '@openvse/emv/codec';
import { type DolEntry, parseDol } from '@openvse/emv/dol';
import { findTagPath } from '@openvse/emv/tlv';
import { parseTemplate } from '../card-data/response-template.js';
import type { KernelId } from '../config/terminal-config.js';
import { TerminalErrorCode } from '../errors.js';
import { exchange } from '../session/card-exchange.js';
import { endApplication } from '../session/kernel-stop.js';
import type { TransactionContext } from '../session/transaction-context.js';
import { buildCandidateList } from './candidate-list.js';
import { parsePpseDirectory } from './ppse-directory.js';

/** The application final selection chose, with its kernel, label and PDOL. */
export interface SelectedApplication {
  /** The ADF name the card confirmed (84), hex. */
  aid: string;
  kernel: KernelId;
  label?: string;
  /** Parsed PDOL (9F38); undefined when the card sent none. */
  pdol?: DolEntry[];
}

/**
 * Book B §3.1.1 pre-processing: an amount greater than or equal to the Reader Contactless
 * Transaction Limit makes contactless not allowed ("try another interface").
 */
export function preProcess(ctx: TransactionContext): void {
  if (ctx.tx.amount >= ctx.config.contactlessTransactionLimit)
    throw endApplication(
      TerminalErrorCode.CONTACTLESS_LIMIT_EXCEEDED,
      `amount ${ctx.tx.amount} reaches the contactless transaction limit ${ctx.config.contactlessTransactionLimit}: try another interface`,
    );
}

export async function selectApplication(ctx: TransactionContext): Promise<SelectedApplication> {
  const ppse = await exchange(ctx, 'SELECT PPSE', selectPpse());
  if (ppse.sw !== 0x9000)
    throw endApplication(
      TerminalErrorCode.PPSE_NOT_AVAILABLE,
      `SELECT PPSE: card answered SW ${ppse.sw.toString(16).toUpperCase().padStart(4, '0')}`,
      { sw: ppse.sw.toString(16).toUpperCase().padStart(4, '0') },
    );
  const fci = parseTemplate('SELECT PPSE', ppse.data, ['6F']);
  const candidates = buildCandidateList(parsePpseDirectory(fci), ctx.config.supportedAids);
  if (candidates.length === 0)
    throw endApplication(
      TerminalErrorCode.NO_SUPPORTED_APPLICATION,
      'no application on the card that this terminal supports',
    );

  let lastSw = 0;
  for (const c of candidates) {
    const r = await exchange(ctx, `SELECT AID ${c.entry.aid}`, selectByName(c.entry.aid));
    if (r.sw !== 0x9000) {
      lastSw = r.sw;
      continue;
    }
    const t = parseTemplate('SELECT AID', r.data, ['6F']);
    const df = findTagPath([t], ['6F', '84'])?.value;
    if (!df)
      throw endApplication(TerminalErrorCode.CARD_DATA_MISSING, 'SELECT AID: FCI has no DF name (84)', {
        tag: '84',
      });
    if (bytesToHex(df) !== c.entry.aid)
      throw endApplication(
        TerminalErrorCode.CARD_DATA_INVALID,
        'SELECT AID: DF name (84) is not the AID selected',
        {
          tag: '84',
        },
      );
    const a5 = findTagPath([t], ['6F', 'A5']);
    ctx.card.addAll(t.children ?? [], 'fci');
    const pdolBytes = a5?.children?.find((n) => n.tag === '9F38')?.value;
    let pdol: DolEntry[] | undefined;
    if (pdolBytes) {
      try {
        pdol = parseDol(pdolBytes);
      } catch (e) {
        throw endApplication(
          TerminalErrorCode.CARD_DATA_MALFORMED,
          `PDOL (9F38) is not a valid DOL: ${e instanceof Error ? e.message : String(e)}`,
          { tag: '9F38' },
        );
      }
    }
    const label = a5?.children?.find((n) => n.tag === '50')?.value;
    return {
      aid: c.entry.aid,
      kernel: c.kernel,
      label: label ? Array.from(label, (b) => String.fromCharCode(b)).join('') : c.entry.label,
      pdol,
    };
  }
  throw endApplication(
    TerminalErrorCode.NO_SUPPORTED_APPLICATION,
    `SELECT AID failed for every candidate (last SW ${lastSw.toString(16).toUpperCase().padStart(4, '0')})`,
    { sw: lastSw.toString(16).toUpperCase().padStart(4, '0') },
  );
}
