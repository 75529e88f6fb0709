/**
 * Kernel 3, qVSDC online path (EMV Contactless Book C-3 §5; docs/emv-cryptography.md §5.3):
 * 1. the PDOL must ask for the TTQ (9F66), else this is not a qVSDC card;
 * 2. GET PROCESSING OPTIONS with the PDOL data: the answer already holds the cryptogram
 *    (77 { 82, [94], 57, 5F34, 9F10, 9F26, 9F27, 9F36, 9F6C, 9F6E }); SW 6986 means the phone
 *    wants its own cardholder verification first (two-tap, "See Phone");
 * 3. READ RECORD for each AFL record when there is an AFL;
 * 4. mandatory data: 57, 82, 9F10, 9F26, 9F36 (9F27 absent means ARQC);
 * 5. CID: ARQC → reader CVM → ONLINE_REQUEST; AAC → DECLINED; TC → DECLINED (an offline
 *    approval needs fDDA, which this reader does not do).
 */

import { parsePanCn, parseTrack2 } from '@openvse/emv/codec';
import { parseAfl } from '../card-data/afl.js';
import { readAflRecords } from '../card-data/read-records.js';
import type { SelectedApplication } from '../entry-point/select-application.js';
import { TerminalErrorCode } from '../errors.js';
import { buildOutcome } from '../outcome/build-outcome.js';
import type { CryptogramType, Outcome } from '../outcome/outcome.js';
import { optionalCardTag, requireCardTag } from '../session/card-checks.js';
import { requireSw } from '../session/card-exchange.js';
import { endApplication, invalidTag, KernelStop } from '../session/kernel-stop.js';
import { sendGpo, storeGpoResponse } from '../session/processing-options.js';
import type { TransactionContext } from '../session/transaction-context.js';
import { cvmResults } from '../tvr/cvm-results.js';
import { transactionTtq } from './qualifiers.js';
import { readerCvm } from './reader-cvm.js';

const SW_CONDITIONS_NOT_SATISFIED = 0x6986;

export async function runKernel3(ctx: TransactionContext, app: SelectedApplication): Promise<Outcome> {
  const base = { kernel: 3 as const, aid: app.aid, applicationLabel: app.label };
  if (!app.pdol?.some((e) => e.tag === '9F66'))
    throw endApplication(
      TerminalErrorCode.CARD_DATA_MISSING,
      'Kernel 3: the PDOL does not ask for the TTQ (9F66)',
      {
        tag: '9F66',
      },
    );

  const ttq = transactionTtq(ctx.config, ctx.tx);
  ctx.terminalData.set('9F66', ttq);

  const gpo = await sendGpo(ctx, app.pdol);
  if (gpo.sw === SW_CONDITIONS_NOT_SATISFIED)
    throw new KernelStop('SEE_PHONE', {
      code: TerminalErrorCode.CDCVM_REQUIRED,
      message: 'card answered 6986: verify on the phone, then tap again',
      details: { sw: '6986' },
    });
  requireSw('GET PROCESSING OPTIONS', gpo);
  storeGpoResponse(ctx, gpo.data);

  const afl = optionalCardTag(ctx, '94');
  if (afl !== undefined) await readAflRecords(ctx, parseAfl(afl));

  const where = 'Kernel 3 online cryptogram';
  requireCardTag(ctx, '82', where, 2);
  requireCardTag(ctx, '9F36', where, 2);
  requireCardTag(ctx, '9F26', where, 8);
  requireCardTag(ctx, '9F10', where, { min: 1, max: 32 });
  const t2raw = requireCardTag(ctx, '57', where, { min: 8, max: 19 });
  const t2 = parseTrack2(t2raw);
  if (!t2) throw invalidTag('57', 'not Track 2 Equivalent Data (PAN D YYMM service code …)');
  const panRaw = optionalCardTag(ctx, '5A', { min: 1, max: 10 });
  if (panRaw !== undefined && parsePanCn(panRaw) !== t2.pan)
    throw invalidTag('5A', 'PAN differs from the Track 2 PAN');
  optionalCardTag(ctx, '5F34', 1);
  const ctq = optionalCardTag(ctx, '9F6C', 2);
  const ffi = optionalCardTag(ctx, '9F6E', 4);
  const cidRaw = optionalCardTag(ctx, '9F27', 1);
  const cid = cidRaw ? cidRaw[0]! & 0xc0 : 0x80;

  const cryptogramType: CryptogramType | undefined =
    cid === 0x80 ? 'ARQC' : cid === 0x40 ? 'TC' : cid === 0 ? 'AAC' : undefined;
  if (!cryptogramType)
    throw endApplication(TerminalErrorCode.CARD_CID_INVALID, 'Kernel 3: CID (9F27) cryptogram type is RFU', {
      tag: '9F27',
    });
  if (cryptogramType === 'AAC')
    return buildOutcome(ctx, 'DECLINED', {
      ...base,
      cryptogramType,
      chipData: true,
      reason: { code: TerminalErrorCode.CARD_DECLINED, message: 'card declined (AAC)' },
    });
  if (cryptogramType === 'TC')
    return buildOutcome(ctx, 'DECLINED', {
      ...base,
      cryptogramType,
      chipData: true,
      reason: {
        code: TerminalErrorCode.OFFLINE_APPROVAL_UNSUPPORTED,
        message: 'card offered an offline approval (TC); this reader does no fDDA, so it cannot accept it',
      },
    });

  const decision = readerCvm(ttq, ctq, ffi !== undefined);
  if ('seePhone' in decision)
    return buildOutcome(ctx, 'SEE_PHONE', {
      ...base,
      cryptogramType,
      reason: {
        code: TerminalErrorCode.CDCVM_REQUIRED,
        message:
          'amount over the CVM limit and no cardholder verification on the phone: verify on the phone, then tap again',
      },
    });
  if ('failed' in decision) {
    ctx.terminalData.set('9F34', cvmResults('FAILED'));
    return buildOutcome(ctx, 'DECLINED', {
      ...base,
      cryptogramType,
      cvm: 'FAILED',
      chipData: true,
      reason: {
        code: TerminalErrorCode.CVM_FAILED,
        message: 'CVM required and no method left that card and reader share',
      },
    });
  }
  ctx.terminalData.set('9F34', cvmResults(decision.cvm));
  return buildOutcome(ctx, 'ONLINE_REQUEST', { ...base, cryptogramType, cvm: decision.cvm, chipData: true });
}
