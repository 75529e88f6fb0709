/**
 * One command/response exchange with the card (ISO/IEC 7816-4 §5): encode the C-APDU, send it,
 * record it in the trace, split the R-APDU. A transport failure stops the transaction with
 * TRY_AGAIN (EMV Contactless Book A §6.2: a communication error asks for the card again); a
 * response too short to hold a status word is END_APPLICATION / ERR_CARD_DATA_MALFORMED.
 */
import { type CommandApdu, encodeCommandApdu } from '@openvse/emv/apdu';
import { TerminalErrorCode } from '../errors.js';
import { endApplication, KernelStop } from './kernel-stop.js';
import type { TransactionContext } from './transaction-context.js';

export interface CardResponse {
  data: Uint8Array;
  sw: number;
}

export async function exchange(
  ctx: TransactionContext,
  step: string,
  command: CommandApdu,
): Promise<CardResponse> {
  const capdu = encodeCommandApdu(command);
  const t0 = performance.now();
  let rapdu: Uint8Array;
  try {
    rapdu = await ctx.transport.transmit(capdu);
  } catch (error) {
    ctx.trace.add(step, capdu, { error, ms: performance.now() - t0, kernel: ctx.kernel ?? undefined });
    throw new KernelStop('TRY_AGAIN', {
      code: TerminalErrorCode.TRANSPORT_FAILED,
      message: `${step}: no answer from the card (${error instanceof Error ? error.message : String(error)})`,
      details: { step },
    });
  }
  const ms = performance.now() - t0;
  if (!(rapdu instanceof Uint8Array)) {
    ctx.trace.add(step, capdu, { error: new Error('transport returned no bytes'), ms });
    throw new KernelStop('TRY_AGAIN', {
      code: TerminalErrorCode.TRANSPORT_FAILED,
      message: `${step}: transport returned no bytes`,
      details: { step },
    });
  }
  ctx.trace.add(step, capdu, { rapdu, ms, kernel: ctx.kernel ?? undefined });
  if (rapdu.length < 2)
    throw endApplication(
      TerminalErrorCode.CARD_DATA_MALFORMED,
      `${step}: response of ${rapdu.length} byte(s), no status word`,
      {
        step,
      },
    );
  return {
    data: rapdu.subarray(0, rapdu.length - 2),
    sw: (rapdu[rapdu.length - 2]! << 8) | rapdu[rapdu.length - 1]!,
  };
}

/** The status word `sw` must be 9000 (or `expected`), else END_APPLICATION / ERR_CARD_STATUS. */
export function requireSw(step: string, r: CardResponse, expected = 0x9000): void {
  if (r.sw !== expected) {
    const hex = r.sw.toString(16).toUpperCase().padStart(4, '0');
    throw endApplication(TerminalErrorCode.CARD_STATUS, `${step}: card answered SW ${hex}`, {
      step,
      sw: hex,
    });
  }
}
