/**
 * Kernel 2, M/Chip path without CDA (EMV Contactless Book C-2 §3–§7; docs/emv-cryptography.md
 * §5.2):
 * 1. GET PROCESSING OPTIONS (PDOL data if the card has a PDOL) → AIP (82) + AFL (94);
 *    an AIP without "EMV mode supported" (byte 2 b8) would need mag-stripe mode, not done here;
 * 2. READ RECORD for every AFL record; mandatory 5A, 5F24, 8C (C-2 "card data missing");
 * 3. processing restrictions (expiry / effective dates), CVM selection (CDCVM above the CVM
 *    limit), terminal risk management (floor limit), TVR "ODA not performed" (no CDA here);
 * 4. terminal action analysis → GENERATE AC (P1 ARQC / TC / AAC) with the CDOL1 data;
 * 5. answer 77 { 9F27, 9F36, 9F26, [9F10], [DF4B] } or 80 (CID ‖ ATC ‖ AC ‖ IAD); the CID
 *    must be a type the request allows: ARQC → ONLINE_REQUEST, TC → APPROVED, AAC → DECLINED,
 *    or SEE_PHONE when the POSCII says the phone needs the cardholder (two-tap).
 */
import { generateAcCommand } from '@openvse/emv/apdu';
import { bytesToHex, hexToBytes, parsePanCn, parseTrack2 } from '@openvse/emv/codec';
import { buildDolData, type DolEntry, parseDol } from '@openvse/emv/dol';
import { parseAfl } from '../card-data/afl.js';
import { readAflRecords } from '../card-data/read-records.js';
import { parseTemplate } from '../card-data/response-template.js';
import { isOfflineCapable, isOnlineCapable } from '../config/terminal-config.js';
import type { SelectedApplication } from '../entry-point/select-application.js';
import { TerminalErrorCode } from '../errors.js';
import { buildOutcome } from '../outcome/build-outcome.js';
import type { CryptogramType, Outcome } from '../outcome/outcome.js';
import { optionalCardTag, requireCardTag } from '../session/card-checks.js';
import { exchange, requireSw } from '../session/card-exchange.js';
import { endApplication, invalidTag } from '../session/kernel-stop.js';
import { sendGpo, storeGpoResponse } from '../session/processing-options.js';
import { dolSource, type TransactionContext } from '../session/transaction-context.js';
import { cvmResults } from '../tvr/cvm-results.js';
import { TVR, Tvr } from '../tvr/tvr.js';
import { AC_P1, cryptogramAllowed, terminalActionAnalysis } from './action-analysis.js';
import { selectKernel2Cvm } from './cvm-selection.js';
import { posciiAsksSeePhone } from './poscii.js';
import { checkApplicationDates } from './processing-restrictions.js';

const AIP_EMV_MODE = 0x80;
const hex = (s: string) => hexToBytes(s);

function storeGenerateAcResponse(ctx: TransactionContext, data: Uint8Array): void {
  const t = parseTemplate('GENERATE AC', data, ['77', '80']);
  if (t.tag === '77') {
    ctx.card.addAll(t.children ?? [], 'cryptogram');
    return;
  }
  // Format 1: CID (1) ‖ ATC (2) ‖ AC (8) ‖ IAD (0..32)
  const v = t.value;
  if (v.length < 11 || v.length > 43)
    throw endApplication(TerminalErrorCode.CARD_DATA_MALFORMED, `GENERATE AC Format 1 of ${v.length} bytes`, {
      tag: '80',
    });
  ctx.card.set('9F27', v.subarray(0, 1), 'cryptogram');
  ctx.card.set('9F36', v.subarray(1, 3), 'cryptogram');
  ctx.card.set('9F26', v.subarray(3, 11), 'cryptogram');
  if (v.length > 11) ctx.card.set('9F10', v.subarray(11), 'cryptogram');
}

export async function runKernel2(ctx: TransactionContext, app: SelectedApplication): Promise<Outcome> {
  const base = { kernel: 2 as const, aid: app.aid, applicationLabel: app.label };
  const tvr = new Tvr();

  // 1. GPO
  const gpo = await sendGpo(ctx, app.pdol);
  requireSw('GET PROCESSING OPTIONS', gpo);
  storeGpoResponse(ctx, gpo.data);
  const aip = requireCardTag(ctx, '82', 'GPO', 2);
  const afl = parseAfl(requireCardTag(ctx, '94', 'GPO'));
  if ((aip[1]! & AIP_EMV_MODE) === 0)
    throw endApplication(
      TerminalErrorCode.CARD_DATA_INVALID,
      'AIP: EMV mode not supported (mag-stripe mode is not implemented)',
      {
        tag: '82',
      },
    );

  // 2. records
  await readAflRecords(ctx, afl);
  const where = 'Kernel 2 records';
  const panRaw = requireCardTag(ctx, '5A', where, { min: 1, max: 10 });
  const pan = parsePanCn(panRaw);
  if (!pan) throw invalidTag('5A', 'not a PAN');
  const expiry = requireCardTag(ctx, '5F24', where, 3);
  const cdol1Raw = requireCardTag(ctx, '8C', where);
  let cdol1: DolEntry[];
  try {
    cdol1 = parseDol(cdol1Raw);
  } catch (e) {
    throw endApplication(
      TerminalErrorCode.CARD_DATA_MALFORMED,
      `CDOL1 (8C): ${e instanceof Error ? e.message : String(e)}`,
      {
        tag: '8C',
      },
    );
  }
  optionalCardTag(ctx, '5F34', 1);
  const t2raw = optionalCardTag(ctx, '57', { min: 8, max: 19 });
  if (t2raw !== undefined) {
    const t2 = parseTrack2(t2raw);
    if (!t2) throw invalidTag('57', 'not Track 2 Equivalent Data');
    if (t2.pan !== pan) throw invalidTag('57', 'Track 2 PAN differs from the PAN (5A)');
  }

  // 3. restrictions, CVM, risk management
  checkApplicationDates(ctx.terminalData.get('9A')!, expiry, optionalCardTag(ctx, '5F25', 3), tvr);
  const cvm = selectKernel2Cvm(
    aip,
    ctx.tx.amount,
    ctx.config.cvmRequiredLimit,
    ctx.config.kernel2.onDeviceCvmSupported,
    tvr,
  );
  if (ctx.tx.amount > ctx.config.floorLimit) tvr.set(TVR.EXCEEDS_FLOOR_LIMIT);
  tvr.set(TVR.ODA_NOT_PERFORMED);

  // 4. action analysis, GENERATE AC
  const k2 = ctx.config.kernel2;
  const requested = terminalActionAnalysis(
    tvr,
    {
      tacDenial: hex(k2.tacDenial),
      tacOnline: hex(k2.tacOnline),
      tacDefault: hex(k2.tacDefault),
      iacDenial: optionalCardTag(ctx, '9F0E', 5),
      iacOnline: optionalCardTag(ctx, '9F0F', 5),
      iacDefault: optionalCardTag(ctx, '9F0D', 5),
    },
    { onlineCapable: isOnlineCapable(ctx.config), offlineCapable: isOfflineCapable(ctx.config) },
  );
  ctx.terminalData.set('95', new Uint8Array(tvr.bytes));
  ctx.terminalData.set('9F34', cvmResults(cvm));
  const cdolData = buildDolData(cdol1, dolSource(ctx));
  if (cdolData.length === 0 || cdolData.length > 255)
    throw endApplication(TerminalErrorCode.CARD_DATA_INVALID, `CDOL1 asks for ${cdolData.length} bytes`, {
      tag: '8C',
    });
  const gac = await exchange(
    ctx,
    `GENERATE AC (${requested})`,
    generateAcCommand(AC_P1[requested], cdolData),
  );
  requireSw('GENERATE AC', gac);
  storeGenerateAcResponse(ctx, gac.data);

  // 5. the answer
  const cid = requireCardTag(ctx, '9F27', 'GENERATE AC', 1)[0]!;
  requireCardTag(ctx, '9F36', 'GENERATE AC', 2);
  requireCardTag(ctx, '9F26', 'GENERATE AC', 8);
  optionalCardTag(ctx, '9F10', { min: 1, max: 32 });
  const type: CryptogramType | undefined =
    (cid & 0xc0) === 0x80 ? 'ARQC' : (cid & 0xc0) === 0x40 ? 'TC' : (cid & 0xc0) === 0x00 ? 'AAC' : undefined;
  if (!type || !cryptogramAllowed(requested, type))
    throw endApplication(
      TerminalErrorCode.CARD_CID_INVALID,
      `GENERATE AC: asked for ${requested}, card answered CID ${bytesToHex(Uint8Array.of(cid))}`,
      { tag: '9F27' },
    );
  const common = { ...base, cryptogramType: type, cvm, chipData: true };
  if (type === 'ARQC') return buildOutcome(ctx, 'ONLINE_REQUEST', common);
  if (type === 'TC') return buildOutcome(ctx, 'APPROVED', common);
  if (posciiAsksSeePhone(optionalCardTag(ctx, 'DF4B', 3)))
    return buildOutcome(ctx, 'SEE_PHONE', {
      ...common,
      chipData: false,
      reason: {
        code: TerminalErrorCode.CDCVM_REQUIRED,
        message: 'the phone asks for cardholder verification: tap again after it',
      },
    });
  return buildOutcome(ctx, 'DECLINED', {
    ...common,
    reason: {
      code: TerminalErrorCode.CARD_DECLINED,
      message: `card declined (AAC); TVR ${bytesToHex(tvr.bytes)}`,
    },
  });
}
