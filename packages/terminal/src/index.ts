/**
 * @openvse/terminal — a POS terminal for EMV contactless: Entry Point (EMV Contactless Book B),
 * Kernel 2 / M/Chip (Book C-2) and Kernel 3 / qVSDC (Book C-3) reader kernels, outcomes
 * (Book A), an APDU trace, and card transports (in process, PC/SC through pcsc-lite).
 *
 * `runTransaction(transport, request, config)` is the terminal; the rest is its configuration,
 * its outcome, its transports, and the kernels' decision rules (exported for reuse and tests).
 * EMV encodings (BCD, track 2, TLV, DOL, APDU) are @openvse/emv's.
 */
export {
  buildTerminalData,
  DEFAULT_TERMINAL_CONFIG,
  isOfflineCapable,
  isOnlineCapable,
  type Kernel2Config,
  type KernelId,
  MASTERCARD_AID,
  type ResolvedTransaction,
  resolveTerminalConfig,
  resolveTransaction,
  type SupportedAid,
  type TerminalConfig,
  type TerminalConfigInput,
  type TransactionRequest,
  VISA_AID,
} from './config/index.js';
export {
  buildCandidateList,
  type Candidate,
  type DirectoryEntry,
  parsePpseDirectory,
  type SelectedApplication,
} from './entry-point/index.js';
export { isTerminalError, TerminalError, TerminalErrorCode } from './errors.js';
export {
  AC_P1,
  type ActionCodes,
  AIP_ON_DEVICE_CVM,
  checkApplicationDates,
  cryptogramAllowed,
  posciiAsksSeePhone,
  selectKernel2Cvm,
  terminalActionAnalysis,
} from './kernel2/index.js';
export { CTQ, type ReaderCvmDecision, readerCvm, TTQ, transactionTtq } from './kernel3/index.js';
export {
  buildChipData,
  CHIP_DATA_TAGS,
  type CryptogramType,
  type CvmPerformed,
  type Outcome,
  type OutcomeReason,
  type OutcomeType,
} from './outcome/index.js';
export { ApduTrace, renderTrace, type TraceEntry } from './trace/index.js';
export { runTransaction } from './transaction.js';
export {
  type ApduProcessor,
  type CardTransport,
  connectPcsc,
  createInProcessTransport,
  listReaders,
  type PcscConnectOptions,
  type PcscProtocol,
  type PcscTransport,
  pcscErrorName,
  transmitWithResponseChaining,
} from './transport/index.js';
export { cvmResults, TVR, Tvr, type TvrBit } from './tvr/index.js';
