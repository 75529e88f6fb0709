/**
 * The pcsc-lite C API (PC/SC Workgroup part 5; pcsc-lite `winscard.h`) bound through koffi.
 *
 * Only the six calls a terminal needs, plus SCardStatus for the ATR: SCardEstablishContext,
 * SCardListReaders, SCardConnect, SCardStatus, SCardTransmit, SCardDisconnect,
 * SCardReleaseContext. On Linux pcsc-lite declares DWORD as `unsigned long` and LONG (and so
 * SCARDCONTEXT / SCARDHANDLE) as `long`: 8 bytes on x86_64, which is why the prototypes below
 * say `long` / `unsigned long` and never `uint32_t`. SCARD_IO_REQUEST is
 * `{ unsigned long dwProtocol; unsigned long cbPciLength; }`.
 *
 * Every call that can wait on pcscd (which itself waits on the card, e.g. vpcd's TCP peer) goes
 * through koffi's `.async` form: it runs on a koffi worker thread, so the Node event loop stays
 * free. That matters when the card is a vicc in the same process: a synchronous SCardTransmit
 * would block the loop the card needs to answer, and deadlock.
 *
 * koffi and libpcsclite.so.1 are loaded on first use, so importing the terminal package never
 * needs PC/SC; a missing library is ERR_PCSC_UNAVAILABLE.
 */
import { TerminalError, TerminalErrorCode } from '../../errors.js';

export const SCARD_SCOPE_SYSTEM = 2;
export const SCARD_SHARE_SHARED = 2;
export const SCARD_PROTOCOL_T0 = 1;
export const SCARD_PROTOCOL_T1 = 2;
export const SCARD_LEAVE_CARD = 0;
export const SCARD_RESET_CARD = 1;
export const MAX_ATR_SIZE = 33;
/** Short APDUs: 256 data bytes + SW1 SW2 (pcsc-lite MAX_BUFFER_SIZE is 264). */
export const MAX_RESPONSE_SIZE = 258;
/** Library names tried in order (Debian/Ubuntu ship the versioned soname only without -dev). */
export const PCSCLITE_LIBRARIES = ['libpcsclite.so.1', 'libpcsclite.so'] as const;

type AsyncFn = (...args: unknown[]) => Promise<unknown>;

/** The bound functions; all return the pcsc-lite LONG result. */
export interface PcscLite {
  establishContext(scope: number, out: [number | bigint]): Promise<number | bigint>;
  listReaders(ctx: number | bigint, buf: Buffer | null, len: [number]): Promise<number | bigint>;
  connect(
    ctx: number | bigint,
    reader: string,
    share: number,
    protocols: number,
    card: [number | bigint],
    active: [number],
  ): Promise<number | bigint>;
  status(
    card: number | bigint,
    readerBuf: Buffer,
    readerLen: [number],
    state: [number],
    protocol: [number],
    atr: Buffer,
    atrLen: [number],
  ): Promise<number | bigint>;
  transmit(
    card: number | bigint,
    sendPci: { dwProtocol: number; cbPciLength: number },
    send: Buffer,
    sendLen: number,
    recvPci: null,
    recv: Buffer,
    recvLen: [number],
  ): Promise<number | bigint>;
  disconnect(card: number | bigint, disposition: number): Promise<number | bigint>;
  releaseContext(ctx: number | bigint): Promise<number | bigint>;
  /** sizeof(SCARD_IO_REQUEST) on this platform (16 on LP64). */
  ioRequestSize: number;
  /** Which file was loaded. */
  libraryPath: string;
}

let loaded: Promise<PcscLite> | undefined;

function promisify(fn: { async: (...args: unknown[]) => void }): AsyncFn {
  return (...args: unknown[]) =>
    new Promise((resolve, reject) => {
      fn.async(...args, (err: unknown, res: unknown) => (err ? reject(err) : resolve(res)));
    });
}

async function load(): Promise<PcscLite> {
  let koffi: typeof import('koffi')['default'];
  try {
    koffi = (await import('koffi')).default;
  } catch (e) {
    throw new TerminalError(
      TerminalErrorCode.PCSC_UNAVAILABLE,
      'koffi (FFI) could not be loaded',
      {},
      { cause: e },
    );
  }
  let lib: ReturnType<typeof koffi.load> | undefined;
  let libraryPath = '';
  const failures: string[] = [];
  for (const name of PCSCLITE_LIBRARIES) {
    try {
      lib = koffi.load(name);
      libraryPath = name;
      break;
    } catch (e) {
      failures.push(`${name}: ${(e as Error).message}`);
    }
  }
  if (!lib)
    throw new TerminalError(
      TerminalErrorCode.PCSC_UNAVAILABLE,
      `pcsc-lite library not found (install libpcsclite1): ${failures.join('; ')}`,
    );
  const ioRequest = koffi.struct('SCARD_IO_REQUEST', {
    dwProtocol: 'unsigned long',
    cbPciLength: 'unsigned long',
  });
  const f = {
    establish: lib.func(
      'long SCardEstablishContext(unsigned long dwScope, void *pvReserved1, void *pvReserved2, _Out_ long *phContext)',
    ),
    list: lib.func(
      'long SCardListReaders(long hContext, const char *mszGroups, _Out_ uint8_t *mszReaders, _Inout_ unsigned long *pcchReaders)',
    ),
    connect: lib.func(
      'long SCardConnect(long hContext, const char *szReader, unsigned long dwShareMode, unsigned long dwPreferredProtocols, _Out_ long *phCard, _Out_ unsigned long *pdwActiveProtocol)',
    ),
    status: lib.func(
      'long SCardStatus(long hCard, _Out_ uint8_t *szReaderName, _Inout_ unsigned long *pcchReaderLen, _Out_ unsigned long *pdwState, _Out_ unsigned long *pdwProtocol, _Out_ uint8_t *pbAtr, _Inout_ unsigned long *pcbAtrLen)',
    ),
    transmit: lib.func('SCardTransmit', 'long', [
      'long',
      koffi.pointer(ioRequest),
      'uint8_t *',
      'unsigned long',
      koffi.pointer(ioRequest),
      koffi.out('uint8_t *'),
      koffi.inout(koffi.pointer('unsigned long')),
    ]),
    disconnect: lib.func('long SCardDisconnect(long hCard, unsigned long dwDisposition)'),
    release: lib.func('long SCardReleaseContext(long hContext)'),
  };
  const establish = promisify(f.establish);
  const list = promisify(f.list);
  const connect = promisify(f.connect);
  const status = promisify(f.status);
  const transmit = promisify(f.transmit);
  const disconnect = promisify(f.disconnect);
  const release = promisify(f.release);
  return {
    establishContext: (scope, out) => establish(scope, null, null, out) as Promise<number>,
    listReaders: (ctx, buf, len) => list(ctx, null, buf, len) as Promise<number>,
    connect: (ctx, reader, share, protocols, card, active) =>
      connect(ctx, reader, share, protocols, card, active) as Promise<number>,
    status: (card, rb, rl, st, pr, atr, al) => status(card, rb, rl, st, pr, atr, al) as Promise<number>,
    transmit: (card, pci, send, sendLen, recvPci, recv, recvLen) =>
      transmit(card, pci, send, sendLen, recvPci, recv, recvLen) as Promise<number>,
    disconnect: (card, d) => disconnect(card, d) as Promise<number>,
    releaseContext: (ctx) => release(ctx) as Promise<number>,
    ioRequestSize: koffi.sizeof(ioRequest),
    libraryPath,
  };
}

/** Loads koffi and pcsc-lite once per process. */
export function loadPcscLite(): Promise<PcscLite> {
  if (!loaded) {
    loaded = load();
    // A failed load may succeed later (library installed meanwhile): do not cache the failure.
    loaded.catch(() => {
      loaded = undefined;
    });
  }
  return loaded;
}
