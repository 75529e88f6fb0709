/**
 * config/: terminal configuration (Book 3 Annex A terminal data, Book A/B reader limits) and
 * the per-transaction terminal data the kernels feed into DOLs.
 */
export {
  DEFAULT_TERMINAL_CONFIG,
  isOfflineCapable,
  isOnlineCapable,
  type Kernel2Config,
  type KernelId,
  MASTERCARD_AID,
  resolveTerminalConfig,
  type SupportedAid,
  type TerminalConfig,
  type TerminalConfigInput,
  VISA_AID,
} from './terminal-config.js';
export {
  buildTerminalData,
  type ResolvedTransaction,
  resolveTransaction,
  type TransactionRequest,
} from './terminal-data.js';
