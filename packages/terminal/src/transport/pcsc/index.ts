/**
 * transport/pcsc/: PC/SC (part 5, pcsc-lite) card access through koffi: reader listing,
 * connection as a CardTransport, PC/SC error names.
 */
export {
  connectPcsc,
  listReaders,
  type PcscConnectOptions,
  type PcscProtocol,
  type PcscTransport,
} from './client.js';
export { pcscErrorName } from './pcsc-errors.js';
export { transmitWithResponseChaining } from './response-chaining.js';
