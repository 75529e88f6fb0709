/**
 * In-process card transport: wraps a function `(capdu) => Promise<rapdu>` (a card simulator,
 * the CBP SDK's APDU processor) as a {@link CardTransport}. Copies bytes both ways so neither
 * side can change the other's buffers, and turns a failure of the function into
 * ERR_TRANSPORT_FAILED, as a real reader reports a lost card (ISO/IEC 7816-4 leaves transport
 * errors to the interface; EMV Contactless Book A treats them as communication errors).
 */
import { TerminalError, TerminalErrorCode } from '../errors.js';
import type { CardTransport } from './card-transport.js';

/** A card in process: one C-APDU in, one R-APDU (data ‖ SW1 SW2) out. */
export type ApduProcessor = (capdu: Uint8Array) => Promise<Uint8Array> | Uint8Array;

/** A {@link CardTransport} over an in-process {@link ApduProcessor}. */
export function createInProcessTransport(process: ApduProcessor): CardTransport {
  if (typeof process !== 'function')
    throw new TerminalError(TerminalErrorCode.BAD_ARGUMENT, 'createInProcessTransport: expected a function');
  let closed = false;
  return {
    async transmit(capdu: Uint8Array): Promise<Uint8Array> {
      if (closed) throw new TerminalError(TerminalErrorCode.TRANSPORT_CLOSED, 'transport is closed');
      if (!(capdu instanceof Uint8Array))
        throw new TerminalError(TerminalErrorCode.BAD_ARGUMENT, 'transmit: expected a Uint8Array');
      let r: unknown;
      try {
        r = await process(new Uint8Array(capdu));
      } catch (e) {
        throw new TerminalError(
          TerminalErrorCode.TRANSPORT_FAILED,
          'card processor failed',
          {},
          { cause: e },
        );
      }
      if (!(r instanceof Uint8Array))
        throw new TerminalError(TerminalErrorCode.TRANSPORT_FAILED, 'card processor returned no bytes');
      return new Uint8Array(r);
    },
    async close(): Promise<void> {
      closed = true;
    },
  };
}
