/**
 * transport/: how C-APDUs reach a card (ISO/IEC 7816-4): in process, or through PC/SC
 * (pcsc-lite, PC/SC part 5) to any reader, including vsmartcard's virtual reader vpcd.
 */
export type { CardTransport } from './card-transport.js';
export { type ApduProcessor, createInProcessTransport } from './in-process.js';
export {
  connectPcsc,
  listReaders,
  type PcscConnectOptions,
  type PcscProtocol,
  type PcscTransport,
  pcscErrorName,
  transmitWithResponseChaining,
} from './pcsc/index.js';
