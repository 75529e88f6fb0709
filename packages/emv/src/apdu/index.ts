/**
 * APDUs (ISO/IEC 7816-4 §5) and the EMV contactless commands (EMV Book 3 §6.5): encode and
 * parse command and response APDUs, build commands, name status words and commands in traces.
 */
export {
  AcType,
  CDA_REQUESTED,
  computeCryptographicChecksum,
  generateAcCommand,
  getData,
  getProcessingOptions,
  getResponse,
  PPSE_NAME,
  readRecord,
  selectByName,
  selectPpse,
} from './builders.js';
export {
  type ApduCase,
  type CommandApdu,
  encodeCommandApdu,
  type ParsedCommandApdu,
  parseCommandApdu,
} from './command.js';
export { describeCommand } from './describe.js';
export { encodeResponseApdu, parseResponseApdu, type ResponseApdu } from './response.js';
export { describeSw, isSwSuccess, SW, type SwName } from './sw.js';
