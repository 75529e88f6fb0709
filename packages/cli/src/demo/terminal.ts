/**
 * The POS terminal (packages/terminal) as the demo uses it: the kernels' entry point and the
 * in-process transport that hands the terminal's C-APDUs to the wallet's HCE service.
 */
import { createInProcessTransport, type Outcome, runTransaction } from '@openvse/terminal';

export type TerminalOutcome = Outcome;

export type TerminalModule = {
  runTransaction: typeof runTransaction;
  createInProcessTransport: typeof createInProcessTransport;
};

export async function loadTerminal(): Promise<TerminalModule> {
  return { runTransaction, createInProcessTransport };
}
