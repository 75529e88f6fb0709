/**
 * The POS terminal (packages/terminal) for the wallet suites: one tap at the in-process
 * terminal, and the terminal module itself for the tests that drive it further.
 */
import * as terminal from '@openvse/terminal';

/** The terminal package. */
export type TerminalModule = typeof terminal;
/** A transaction's outcome. */
export type TerminalOutcome = terminal.Outcome;

/** The terminal package (kept async for the suites written against a lazily loaded one). */
export async function loadTerminal(): Promise<TerminalModule> {
  return terminal;
}

/** One tap at the in-process terminal. */
export async function tap(
  t: TerminalModule,
  processApdu: (c: Uint8Array) => Promise<Uint8Array>,
  amount: number,
): Promise<TerminalOutcome> {
  return t.runTransaction(t.createInProcessTransport(processApdu), { amount });
}
