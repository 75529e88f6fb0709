/**
 * PC/SC terminal client (PC/SC Workgroup part 5 over pcsc-lite): list readers, connect to one
 * (shared mode, T=1 or T=0), and expose the connection as a {@link CardTransport}.
 *
 * Errors carry the PC/SC name (`SCARD_E_NO_SMARTCARD (0x8010000C)`) in the message and in
 * `details.pcsc`. Transmissions on one connection are serialised in call order. Reader names
 * for vsmartcard's virtual reader are fixed by its driver: `Virtual PCD 00 00` (vpcd port
 * 35963) and `Virtual PCD 00 01` (35964).
 */
import { TerminalError, TerminalErrorCode } from '../../errors.js';
import type { CardTransport } from '../card-transport.js';
import { pcscError, pcscErrorName, SCARD_S_SUCCESS } from './pcsc-errors.js';
import {
  loadPcscLite,
  MAX_ATR_SIZE,
  MAX_RESPONSE_SIZE,
  type PcscLite,
  SCARD_LEAVE_CARD,
  SCARD_PROTOCOL_T0,
  SCARD_PROTOCOL_T1,
  SCARD_SCOPE_SYSTEM,
  SCARD_SHARE_SHARED,
} from './pcsclite-ffi.js';
import { transmitWithResponseChaining } from './response-chaining.js';

/** The PC/SC protocol of a connection (T=0 or T=1). */
export type PcscProtocol = 'T0' | 'T1';

/** Options of {@link connectPcsc}. */
export interface PcscConnectOptions {
  /** Protocols offered to SCardConnect; default both (pcsc-lite picks per the ATR). */
  protocols?: readonly PcscProtocol[];
}

/** A connected card. `atr` and `protocol` are read right after SCardConnect. */
export interface PcscTransport extends CardTransport {
  readonly readerName: string;
  readonly protocol: PcscProtocol;
  readonly atr: Uint8Array;
  close(): Promise<void>;
}

function ok(fn: string, rv: number | bigint, context?: string): void {
  if (Number(rv) !== SCARD_S_SUCCESS) throw pcscError(fn, rv, context);
}

/** Splits a PC/SC multi-string ("a\0b\0\0") into its strings. */
export function parseMultiString(buf: Uint8Array): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < buf.length; i++) {
    if (buf[i] !== 0) continue;
    if (i === start) break;
    out.push(Buffer.from(buf.subarray(start, i)).toString('utf8'));
    start = i + 1;
  }
  return out;
}

async function establish(pcsc: PcscLite): Promise<number | bigint> {
  const out: [number | bigint] = [0];
  ok('SCardEstablishContext', await pcsc.establishContext(SCARD_SCOPE_SYSTEM, out), 'is pcscd running?');
  return out[0];
}

async function readers(pcsc: PcscLite, ctx: number | bigint): Promise<string[]> {
  const len: [number] = [0];
  let rv = await pcsc.listReaders(ctx, null, len);
  if (pcscErrorName(rv) === 'SCARD_E_NO_READERS_AVAILABLE') return [];
  ok('SCardListReaders', rv);
  const buf = Buffer.alloc(Math.max(len[0], 1));
  len[0] = buf.length;
  rv = await pcsc.listReaders(ctx, buf, len);
  if (pcscErrorName(rv) === 'SCARD_E_NO_READERS_AVAILABLE') return [];
  ok('SCardListReaders', rv);
  return parseMultiString(buf.subarray(0, len[0]));
}

/** Names of the readers pcscd knows (an empty list when there are none). */
export async function listReaders(): Promise<string[]> {
  const pcsc = await loadPcscLite();
  const ctx = await establish(pcsc);
  try {
    return await readers(pcsc, ctx);
  } finally {
    await pcsc.releaseContext(ctx);
  }
}

/** Connects to the card in `readerName` and returns it as a transport. */
export async function connectPcsc(
  readerName: string,
  options: PcscConnectOptions = {},
): Promise<PcscTransport> {
  if (typeof readerName !== 'string' || readerName.length === 0)
    throw new TerminalError(TerminalErrorCode.BAD_ARGUMENT, 'connectPcsc: reader name required');
  const wanted = options.protocols ?? ['T1', 'T0'];
  let mask = 0;
  for (const p of wanted) mask |= p === 'T1' ? SCARD_PROTOCOL_T1 : p === 'T0' ? SCARD_PROTOCOL_T0 : 0;
  if (mask === 0)
    throw new TerminalError(TerminalErrorCode.BAD_ARGUMENT, 'connectPcsc: protocols must be T0 and/or T1');

  const pcsc = await loadPcscLite();
  const ctx = await establish(pcsc);
  let card: number | bigint;
  let active: number;
  let atr: Uint8Array;
  try {
    const known = await readers(pcsc, ctx);
    if (!known.includes(readerName))
      throw new TerminalError(
        known.length === 0 ? TerminalErrorCode.PCSC_NO_READERS : TerminalErrorCode.PCSC_READER_NOT_FOUND,
        `reader "${readerName}" not found; pcscd knows: ${known.length ? known.map((r) => `"${r}"`).join(', ') : 'no readers'}`,
        { reader: readerName },
      );
    const cardOut: [number | bigint] = [0];
    const activeOut: [number] = [0];
    ok(
      'SCardConnect',
      await pcsc.connect(ctx, readerName, SCARD_SHARE_SHARED, mask, cardOut, activeOut),
      `reader "${readerName}"`,
    );
    card = cardOut[0];
    active = Number(activeOut[0]);
    const nameBuf = Buffer.alloc(256);
    const atrBuf = Buffer.alloc(MAX_ATR_SIZE);
    const atrLen: [number] = [atrBuf.length];
    const rv = await pcsc.status(card, nameBuf, [nameBuf.length], [0], [0], atrBuf, atrLen);
    atr =
      Number(rv) === SCARD_S_SUCCESS
        ? new Uint8Array(atrBuf.subarray(0, Number(atrLen[0])))
        : new Uint8Array(0);
  } catch (e) {
    await pcsc.releaseContext(ctx);
    throw e;
  }

  const protocol: PcscProtocol = active === SCARD_PROTOCOL_T0 ? 'T0' : 'T1';
  const pci = { dwProtocol: active, cbPciLength: pcsc.ioRequestSize };
  let closed = false;
  let queue: Promise<unknown> = Promise.resolve();

  const raw = async (capdu: Uint8Array): Promise<Uint8Array> => {
    const recv = Buffer.alloc(MAX_RESPONSE_SIZE);
    const recvLen: [number] = [recv.length];
    const send = Buffer.from(capdu);
    ok(
      'SCardTransmit',
      await pcsc.transmit(card, pci, send, send.length, null, recv, recvLen),
      `reader "${readerName}"`,
    );
    return new Uint8Array(recv.subarray(0, Number(recvLen[0])));
  };

  const transport: PcscTransport = {
    readerName,
    protocol,
    atr,
    transmit(capdu: Uint8Array): Promise<Uint8Array> {
      if (closed)
        return Promise.reject(
          new TerminalError(TerminalErrorCode.TRANSPORT_CLOSED, 'PC/SC connection closed'),
        );
      if (!(capdu instanceof Uint8Array) || capdu.length < 4 || capdu.length > 261)
        return Promise.reject(
          new TerminalError(
            TerminalErrorCode.BAD_ARGUMENT,
            'transmit: expected a short C-APDU of 4..261 bytes',
          ),
        );
      const run = queue.then(() => transmitWithResponseChaining(raw, capdu));
      queue = run.catch(() => undefined);
      return run;
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await queue;
      try {
        ok('SCardDisconnect', await pcsc.disconnect(card, SCARD_LEAVE_CARD));
      } finally {
        await pcsc.releaseContext(ctx);
      }
    },
  };
  return transport;
}
