/**
 * The card side of vsmartcard's virtual reader: a "virtual ICC" (vicc) that connects to the
 * vpcd driver inside pcscd and answers its requests, so any PC/SC client (a POS terminal,
 * opensc-tool, scriptor, cardpeek) sees this wallet as a contactless card in
 * `Virtual PCD 00 00` (TCP 35963) or `Virtual PCD 00 01` (TCP 35964).
 *
 * Protocol (vsmartcard vpcd/vicc, `vpcd.c` / `vicc.py`): TCP, the *card* connects to vpcd.
 * Every message both ways is a u16 big-endian length followed by that many bytes. A 1-byte
 * message from vpcd is a control code: 0x00 power off, 0x01 power on, 0x02 reset, 0x04 get
 * ATR (answered with the ATR; pcscd polls it to see that the card is present, so an ATR is
 * mandatory). Any longer message is a C-APDU (ISO/IEC 7816-4), answered with one R-APDU.
 *
 * Latency: Debian's vpcd 3.3 writes the length and the payload in two send() calls, so
 * Nagle plus the card's delayed ACK cost ~40 ms per APDU. Connecting to 127.0.0.2 through a
 * loopback route with `quickack 1` (scripts/pcsc-up.sh) removes it; on our side the socket
 * has TCP_NODELAY and each reply is exactly one write. When the connection drops (pcscd
 * restarted, not started yet) the vicc reconnects every `reconnectDelayMs`.
 * A processApdu that throws (or returns something that is not an R-APDU) answers 6F00
 * ("no precise diagnosis"): the card never crashes the wallet.
 *
 * Connected is not yet "in the reader": vpcd accepts one card per slot and its listening socket
 * (backlog 0) still completes the TCP handshake of a second card, which then never hears from
 * vpcd. `waitForReader` therefore waits for vpcd's first message (pcscd polls the ATR a few times
 * a second), and fails naming the cause when the port is closed (ERR_VPCD_UNREACHABLE) or another
 * card holds the slot (ERR_VPCD_PORT_BUSY); docs/pcsc.md §3.
 */
import { connect, type Socket } from 'node:net';

/** What the vicc tells `onEvent`: connection, power and APDU events. */
export type ViccEvent =
  | { type: 'connecting'; host: string; port: number }
  | { type: 'connected'; host: string; port: number }
  | { type: 'connect-failed'; host: string; port: number; code: string }
  | { type: 'disconnected'; reason: string }
  | { type: 'power-on' }
  | { type: 'power-off' }
  | { type: 'reset' }
  | { type: 'atr' }
  | { type: 'apdu'; capdu: Uint8Array; rapdu: Uint8Array; ms: number }
  | { type: 'apdu-error'; capdu: Uint8Array; error: unknown }
  | { type: 'protocol-error'; message: string };

/** Options of {@link attachViccCard}. */
export interface ViccOptions {
  /** vpcd host; 127.0.0.2 goes through the quickack loopback route. */
  host?: string;
  /** 35963 = "Virtual PCD 00 00", 35964 = "Virtual PCD 00 01". */
  port?: number;
  /**
   * Answer to reset; default 3B 80 80 01 01 (T=1, no historical bytes, contactless-like). A wallet
   * presents `paymentDeviceAtr(aid)` (./atr.ts, docs/pcsc.md "The card's ATR").
   */
  atr?: Uint8Array;
  /** Answers one C-APDU with one R-APDU (data ‖ SW1 SW2). */
  processApdu: (capdu: Uint8Array) => Promise<Uint8Array> | Uint8Array;
  onEvent?: (event: ViccEvent) => void;
  /** Delay between reconnection attempts; default 250 ms (bounded to 50..5000). */
  reconnectDelayMs?: number;
}

/** Options of {@link ViccCard.waitForReader}. */
export interface WaitForReaderOptions {
  /** Give up after this long (default 10 000 ms): ERR_VPCD_TIMEOUT. */
  timeoutMs?: number;
  /**
   * Connected but not a word from vpcd for this long (default 3 000 ms): another card holds the
   * slot, ERR_VPCD_PORT_BUSY. pcscd polls every slot's ATR several times a second.
   */
  silenceMs?: number;
}

/** Why a vicc card is not in the reader: {@link ViccCard.waitForReader}'s rejection. */
export class ViccError extends Error {
  /** ERR_VPCD_UNREACHABLE (nothing listens), ERR_VPCD_PORT_BUSY (another card holds the slot), ERR_VPCD_TIMEOUT. */
  readonly code: 'ERR_VPCD_UNREACHABLE' | 'ERR_VPCD_PORT_BUSY' | 'ERR_VPCD_TIMEOUT';
  constructor(code: ViccError['code'], message: string) {
    super(message);
    this.name = 'ViccError';
    this.code = code;
  }
}

/** A wallet card attached to vpcd. */
export interface ViccCard {
  /** Resolves once connected to vpcd (immediately if already connected). */
  waitConnected(timeoutMs?: number): Promise<void>;
  /**
   * Resolves once the reader talks to this card: connected, and vpcd has sent its first message
   * (a power-on or an ATR request) on this connection. Rejects with a {@link ViccError} naming
   * the cause: the port refuses connections, or vpcd stays silent (another card holds the slot).
   */
  waitForReader(options?: WaitForReaderOptions): Promise<void>;
  /** True once vpcd has sent a message on the current connection. */
  readonly isInReader: boolean;
  readonly isConnected: boolean;
  /** Stops reconnecting and closes the socket. */
  close(): Promise<void>;
}

/** vpcd's host through the quickack loopback route (scripts/pcsc-up.sh). */
export const VPCD_DEFAULT_HOST = '127.0.0.2';
/** vpcd's port of `Virtual PCD 00 00`. */
export const VPCD_DEFAULT_PORT = 35963;
/** The default ATR: 3B 80 80 01 01 (T=1, no historical bytes, contactless-like). */
export const DEFAULT_ATR = Uint8Array.of(0x3b, 0x80, 0x80, 0x01, 0x01);
/** vpcd's 1-byte control codes: power off, power on, reset, get ATR. */
export const VPCD_CTRL = { OFF: 0x00, ON: 0x01, RESET: 0x02, ATR: 0x04 } as const;
const SW_NO_PRECISE_DIAGNOSIS = Uint8Array.of(0x6f, 0x00);
const MAX_MESSAGE = 0xffff;

/** u16 big-endian length ‖ payload, as one buffer (one write). */
export function frameViccMessage(payload: Uint8Array): Buffer {
  if (payload.length > MAX_MESSAGE) throw new RangeError('vicc: message longer than 65535 bytes');
  const out = Buffer.allocUnsafe(2 + payload.length);
  out.writeUInt16BE(payload.length, 0);
  out.set(payload, 2);
  return out;
}

/** Splits a stream into length-prefixed messages; keeps the unfinished tail. */
export class ViccFrameReader {
  private buf: Buffer = Buffer.alloc(0);
  push(chunk: Uint8Array): Uint8Array[] {
    this.buf = this.buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buf, chunk]);
    const out: Uint8Array[] = [];
    while (this.buf.length >= 2) {
      const n = this.buf.readUInt16BE(0);
      if (this.buf.length < 2 + n) break;
      out.push(new Uint8Array(this.buf.subarray(2, 2 + n)));
      this.buf = this.buf.subarray(2 + n);
    }
    return out;
  }
}

/** Connects `processApdu` to vpcd as a card (reconnecting while it is not reachable). */
export function attachViccCard(options: ViccOptions): ViccCard {
  if (typeof options?.processApdu !== 'function')
    throw new TypeError('attachViccCard: processApdu is required');
  const host = options.host ?? VPCD_DEFAULT_HOST;
  const port = options.port ?? VPCD_DEFAULT_PORT;
  const atr = new Uint8Array(options.atr ?? DEFAULT_ATR);
  if (atr.length < 2 || atr.length > 33) throw new RangeError('attachViccCard: an ATR is 2..33 bytes');
  const delay = Math.min(5000, Math.max(50, options.reconnectDelayMs ?? 250));
  const emit = (e: ViccEvent): void => {
    try {
      options.onEvent?.(e);
    } catch {
      // An observer's failure must not take the card down.
    }
  };

  let socket: Socket | undefined;
  let connected = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let waiters: Array<() => void> = [];
  /** vpcd has sent a message on the current connection. */
  let spoken = false;
  /** The errno of the last connection attempt that failed, until one succeeds. */
  let lastFailure: string | undefined;
  /** Called on every change that may settle a waitForReader: spoken, connected, failed. */
  let readerWatchers: Array<() => void> = [];
  const notifyReader = (): void => {
    for (const f of readerWatchers) f();
  };

  const answer = async (capdu: Uint8Array): Promise<Uint8Array> => {
    try {
      const r = await options.processApdu(new Uint8Array(capdu));
      if (r instanceof Uint8Array && r.length >= 2 && r.length <= MAX_MESSAGE) return r;
      emit({ type: 'apdu-error', capdu, error: new TypeError('processApdu returned no R-APDU') });
    } catch (error) {
      emit({ type: 'apdu-error', capdu, error });
    }
    return SW_NO_PRECISE_DIAGNOSIS;
  };

  const open = (): void => {
    timer = undefined;
    if (stopped) return;
    emit({ type: 'connecting', host, port });
    const s = connect({ host, port });
    socket = s;
    s.setNoDelay(true);
    const reader = new ViccFrameReader();
    // Requests are answered strictly in order: vpcd waits for each answer anyway.
    let chain: Promise<void> = Promise.resolve();
    let failure: string | undefined;
    s.on('connect', () => {
      connected = true;
      lastFailure = undefined;
      emit({ type: 'connected', host, port });
      notifyReader();
      const w = waiters;
      waiters = [];
      for (const f of w) f();
    });
    s.on('data', (chunk: Buffer) => {
      if (!spoken) {
        spoken = true;
        notifyReader();
      }
      for (const msg of reader.push(chunk)) {
        chain = chain.then(async () => {
          if (msg.length === 1) {
            switch (msg[0]) {
              case VPCD_CTRL.OFF:
                emit({ type: 'power-off' });
                return;
              case VPCD_CTRL.ON:
                emit({ type: 'power-on' });
                return;
              case VPCD_CTRL.RESET:
                emit({ type: 'reset' });
                return;
              case VPCD_CTRL.ATR:
                emit({ type: 'atr' });
                if (!s.destroyed) s.write(frameViccMessage(atr));
                return;
              default:
                emit({ type: 'protocol-error', message: `unknown control byte 0x${msg[0]!.toString(16)}` });
                return;
            }
          }
          if (msg.length === 0) {
            emit({ type: 'protocol-error', message: 'empty message' });
            return;
          }
          const t0 = performance.now();
          const rapdu = await answer(msg);
          if (!s.destroyed) s.write(frameViccMessage(rapdu));
          emit({ type: 'apdu', capdu: msg, rapdu, ms: performance.now() - t0 });
        });
      }
    });
    s.on('error', (e: NodeJS.ErrnoException) => {
      // 'close' follows; the reason is reported there.
      failure = e.code ?? 'EIO';
    });
    s.on('close', (hadError: boolean) => {
      const was = connected;
      connected = false;
      spoken = false;
      if (socket === s) socket = undefined;
      if (was) emit({ type: 'disconnected', reason: hadError ? 'error' : 'closed' });
      else if (!stopped) {
        lastFailure = failure ?? 'ECONNRESET';
        emit({ type: 'connect-failed', host, port, code: lastFailure });
      }
      notifyReader();
      if (!stopped) timer = setTimeout(open, delay);
    });
  };
  open();

  const waitForReader = (o: WaitForReaderOptions = {}): Promise<void> => {
    const timeoutMs = o.timeoutMs ?? 10_000;
    const silenceMs = o.silenceMs ?? 3000;
    const where = `${host}:${port}`;
    return new Promise<void>((resolve, reject) => {
      let silence: NodeJS.Timeout | undefined;
      const finish = (error?: ViccError): void => {
        clearTimeout(overall);
        clearTimeout(silence);
        readerWatchers = readerWatchers.filter((w) => w !== check);
        if (error) reject(error);
        else resolve();
      };
      const check = (): void => {
        if (connected && spoken) {
          finish();
          return;
        }
        if (!connected && lastFailure) {
          finish(
            new ViccError(
              'ERR_VPCD_UNREACHABLE',
              `vpcd does not accept a card at ${where} (${lastFailure}): nothing listens there`,
            ),
          );
          return;
        }
        if (connected && !silence)
          silence = setTimeout(
            () =>
              finish(
                new ViccError(
                  'ERR_VPCD_PORT_BUSY',
                  `vpcd at ${where} accepted the connection but sent nothing for ${silenceMs} ms: another card holds this reader slot`,
                ),
              ),
            silenceMs,
          );
        if (!connected && silence) {
          clearTimeout(silence);
          silence = undefined;
        }
      };
      const overall = setTimeout(
        () =>
          finish(new ViccError('ERR_VPCD_TIMEOUT', `no word from vpcd at ${where} after ${timeoutMs} ms`)),
        timeoutMs,
      );
      readerWatchers.push(check);
      check();
    });
  };

  return {
    get isConnected() {
      return connected;
    },
    get isInReader() {
      return connected && spoken;
    },
    waitForReader,
    waitConnected(timeoutMs = 5000): Promise<void> {
      if (connected) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => {
          waiters = waiters.filter((w) => w !== done);
          reject(
            new Error(
              `vicc: not connected to vpcd at ${host}:${port} after ${timeoutMs} ms (is pcscd running?)`,
            ),
          );
        }, timeoutMs);
        const done = (): void => {
          clearTimeout(t);
          resolve();
        };
        waiters.push(done);
      });
    },
    close(): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      const s = socket;
      if (!s || s.destroyed) return Promise.resolve();
      return new Promise((resolve) => {
        s.once('close', () => resolve());
        s.destroy();
      });
    },
  };
}
