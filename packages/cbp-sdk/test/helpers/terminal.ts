/**
 * The POS terminal (packages/terminal) for the SDK's tests, loaded at run time: packages/terminal
 * references this package (its PC/SC tests load the vicc transport), so a compile-time
 * reference back would be a project-reference cycle. Only the few members used here are typed.
 */
export interface TerminalOutcome {
  type: 'ONLINE_REQUEST' | 'DECLINED' | 'END_APPLICATION' | 'TRY_AGAIN' | 'SEE_PHONE' | 'APPROVED';
  kernel: 2 | 3 | null;
  reason?: { code: string; message: string };
  chipData?: Uint8Array;
  pan?: string;
  panSequence?: string;
  aid?: string;
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
  connectPcsc(readerName: string, options?: Record<string, unknown>): Promise<CardTransport>;
  listReaders(): Promise<string[]>;
}

const TERMINAL = '@openvse/terminal';

export async function loadTerminal(): Promise<TerminalModule> {
  return (await import(TERMINAL)) as TerminalModule;
}

/** One tap at the in-process terminal. */
export async function tap(
  t: TerminalModule,
  processApdu: (c: Uint8Array) => Promise<Uint8Array>,
  amount: number,
): Promise<TerminalOutcome> {
  return t.runTransaction(t.createInProcessTransport(processApdu), { amount });
}
