/**
 * The POS terminal (packages/terminal) as the demo uses it: the kernels' entry point and the
 * in-process transport that hands the terminal's C-APDUs to the wallet's HCE service.
 */
import { createInProcessTransport, type Outcome, runTransaction } from '@openvse/terminal';

/** A transaction's outcome at the terminal. */
export type TerminalOutcome = Outcome;

/** What the demo uses of the terminal package. */
export type TerminalModule = {
  runTransaction: typeof runTransaction;
  createInProcessTransport: typeof createInProcessTransport;
};

/** The terminal's entry point and in-process transport. */
export async function loadTerminal(): Promise<TerminalModule> {
  return { runTransaction, createInProcessTransport };
}
