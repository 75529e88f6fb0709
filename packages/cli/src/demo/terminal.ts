/**
 * The POS terminal (packages/terminal), loaded at run time: packages/terminal references
 * packages/cbp-sdk, which this package references, and the CLI's tsconfig has no reference to
 * the terminal (the root `tsc -b` builds it anyway, so its dist is there at run time). Only the
 * members the demo uses are typed here, the same way cbp-sdk's tests load it.
 */

export interface TerminalOutcome {
  type: 'ONLINE_REQUEST' | 'DECLINED' | 'END_APPLICATION' | 'TRY_AGAIN' | 'SEE_PHONE' | 'APPROVED';
  kernel: 2 | 3 | null;
  reason?: { code: string; message: string };
  chipData?: Uint8Array;
  pan?: string;
  panSequence?: string;
  aid?: string;
  applicationLabel?: string;
  cryptogramType?: 'AAC' | 'TC' | 'ARQC';
  data: ReadonlyMap<string, Uint8Array>;
}

export interface CardTransport {
  transmit(capdu: Uint8Array): Promise<Uint8Array>;
  close?(): Promise<void>;
}

export interface TerminalModule {
  runTransaction(
    transport: CardTransport,
    request: { amount: number | bigint; transactionType?: number },
    config?: Record<string, unknown>,
  ): Promise<TerminalOutcome>;
  createInProcessTransport(process: (capdu: Uint8Array) => Promise<Uint8Array>): CardTransport;
}

const TERMINAL = '@openvse/terminal';

export async function loadTerminal(): Promise<TerminalModule> {
  const m = (await import(TERMINAL)) as Partial<TerminalModule>;
  if (typeof m.runTransaction !== 'function' || typeof m.createInProcessTransport !== 'function')
    throw new Error(
      '@openvse/terminal: runTransaction / createInProcessTransport not found (build it first)',
    );
  return m as TerminalModule;
}
