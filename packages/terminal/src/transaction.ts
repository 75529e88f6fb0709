/**
 * One contactless transaction, end to end (EMV Contactless Book A §5–§6, Book B §3): resolve
 * the configuration and the transaction, Entry Point pre-processing and application selection,
 * then Kernel 2 (Book C-2) or Kernel 3 (Book C-3) by the selected combination. Always resolves
 * with an {@link Outcome}: a kernel's early exit becomes its outcome, and any other failure
 * (a bug, a config error, a transport that throws something odd) becomes END_APPLICATION with
 * a reason code, so a POS loop never has to catch.
 */

import { CardDataStore } from './card-data/card-data-store.js';
import { resolveTerminalConfig, type TerminalConfigInput } from './config/terminal-config.js';
import { buildTerminalData, resolveTransaction, type TransactionRequest } from './config/terminal-data.js';
import { preProcess, type SelectedApplication, selectApplication } from './entry-point/select-application.js';
import { isTerminalError, TerminalErrorCode } from './errors.js';
import { runKernel2 } from './kernel2/kernel2.js';
import { runKernel3 } from './kernel3/kernel3.js';
import { buildOutcome } from './outcome/build-outcome.js';
import type { Outcome } from './outcome/outcome.js';
import { KernelStop } from './session/kernel-stop.js';
import type { TransactionContext } from './session/transaction-context.js';
import { ApduTrace } from './trace/apdu-trace.js';
import type { CardTransport } from './transport/card-transport.js';

/**
 * Runs one contactless transaction over `transport` and resolves with its {@link Outcome}; never
 * rejects (a failure is an END_APPLICATION or TRY_AGAIN outcome with a reason code).
 */
export async function runTransaction(
  transport: CardTransport,
  request: TransactionRequest,
  config: TerminalConfigInput = {},
): Promise<Outcome> {
  const trace = new ApduTrace();
  let ctx: TransactionContext | undefined;
  let selected: SelectedApplication | undefined;
  try {
    const cfg = resolveTerminalConfig(config);
    const tx = resolveTransaction(request, cfg);
    ctx = {
      transport,
      config: cfg,
      tx,
      terminalData: buildTerminalData(cfg, tx),
      card: new CardDataStore(),
      trace,
      kernel: null,
    };
    preProcess(ctx);
    selected = await selectApplication(ctx);
    ctx.kernel = selected.kernel;
    return selected.kernel === 2 ? await runKernel2(ctx, selected) : await runKernel3(ctx, selected);
  } catch (e) {
    const reason =
      e instanceof KernelStop
        ? e.reason
        : isTerminalError(e)
          ? { code: e.code, message: e.message, details: e.details }
          : { code: TerminalErrorCode.INTERNAL, message: e instanceof Error ? e.message : String(e) };
    const type = e instanceof KernelStop ? e.outcome : 'END_APPLICATION';
    const extras = {
      kernel: selected?.kernel ?? null,
      reason,
      aid: selected?.aid,
      applicationLabel: selected?.label,
    };
    if (ctx) return buildOutcome(ctx, type, extras);
    return { type, kernel: null, reason, data: new Map(), trace };
  }
}
