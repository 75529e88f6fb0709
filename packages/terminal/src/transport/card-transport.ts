/**
 * The one thing a reader kernel needs from the physical layer: send a command APDU, get the
 * response APDU (ISO/IEC 7816-4 §5.1, case 1–4 short APDUs; the R-APDU ends with SW1 SW2).
 *
 * Implementations: {@link createInProcessTransport} (a function in the same process, used by
 * unit tests and by the wallet's own loop-back) and `connectPcsc` (a PC/SC reader through
 * pcsc-lite, PC/SC part 5 SCardTransmit). A transport either resolves with the card's answer or
 * rejects with a TerminalError (ERR_TRANSPORT_FAILED / ERR_TRANSPORT_CLOSED / ERR_PCSC_ERROR).
 */

export interface CardTransport {
  /** Sends one C-APDU; resolves with the whole R-APDU (data ‖ SW1 ‖ SW2). */
  transmit(capdu: Uint8Array): Promise<Uint8Array>;
  /** Releases the card connection (PC/SC: SCardDisconnect + SCardReleaseContext). */
  close?(): Promise<void>;
}
