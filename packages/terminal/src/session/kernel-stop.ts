/**
 * How a kernel step ends the transaction early: it throws a {@link KernelStop} carrying the
 * outcome type and reason (EMV Contactless Book A §6.2; Books C-2/C-3 "exit kernel with
 * outcome …"). runTransaction turns it into the returned Outcome. It is a TerminalError whose
 * code is the reason code, so the exported parsing helpers (parseAfl, parsePpseDirectory, …)
 * fail with a typed, stable code too.
 */
import { TerminalError, TerminalErrorCode } from '../errors.js';
import type { OutcomeReason, OutcomeType } from '../outcome/outcome.js';

export class KernelStop extends TerminalError {
  readonly outcome: OutcomeType;
  readonly reason: OutcomeReason;
  constructor(outcome: OutcomeType, reason: OutcomeReason) {
    super(reason.code, reason.message, { ...(reason.details ?? {}) });
    this.name = 'KernelStop';
    this.outcome = outcome;
    this.reason = reason;
  }
}

/** END_APPLICATION with `code` (the usual exit for bad card data and status words). */
export function endApplication(
  code: OutcomeReason['code'],
  message: string,
  details?: Record<string, string | number>,
): KernelStop {
  return new KernelStop('END_APPLICATION', { code, message, details });
}

export function missingTag(tag: string, where: string): KernelStop {
  return endApplication(
    TerminalErrorCode.CARD_DATA_MISSING,
    `${where}: mandatory data object ${tag} missing`,
    { tag },
  );
}

export function invalidTag(tag: string, why: string): KernelStop {
  return endApplication(TerminalErrorCode.CARD_DATA_INVALID, `data object ${tag}: ${why}`, { tag });
}
