/**
 * @openvse/cbp-sdk — the wallet's CBP SDK (docs/design.md "The actors"; docs/cbp-sdk.md):
 * credentials providers (V-OS CBP TA, or the unprotected software baseline), HCE card emulation
 * as an APDU processor, card and credential management against the CBP server, the V-Guard link,
 * and the vicc transport to a PC/SC virtual reader.
 *
 * The wire contract it speaks (the CBP TA's UUID, commands and reason codes, card profiles,
 * statements, the server's API bodies, the reaction policy) is @openvse/protocol's: import those
 * names from there.
 */
export { isSdkError, SdkError, SdkErrorCode } from './errors.js';
export {
  createGuardLink,
  type GuardLink,
  type GuardLinkEvent,
  type GuardLinkOptions,
  type GuardReaction,
  type GuardReactionKind,
} from './guard/guard-link.js';
export {
  createFileReportQueue,
  createMemoryReportQueue,
  type QueuedDeviceReport,
  type ReportQueueStore,
} from './guard/report-queue.js';
export {
  type CryptogramType,
  createHceService,
  type HceService,
  type HceServiceOptions,
  type TapEvent,
} from './hce/hce-service.js';
export {
  type CardOperationResult,
  type CredentialsProvider,
  decodeJwsPayload,
  type EnrollInput,
  type PublicCard,
  reasonName,
} from './provider/credentials-provider.js';
export {
  type CreateSoftwareProviderOptions,
  createSoftwareProvider,
  SoftwareProvider,
  type SoftwareProviderOptions,
} from './provider/software-provider.js';
export { VosProvider, type VosProviderOptions } from './provider/vos-provider.js';
export {
  atrTck,
  attachViccCard,
  contactlessAtr,
  DEFAULT_ATR,
  paymentDeviceAtr,
  type ViccCard,
  ViccError,
  type ViccEvent,
  type ViccOptions,
  VPCD_DEFAULT_HOST,
  VPCD_DEFAULT_PORT,
  type WaitForReaderOptions,
} from './transport/index.js';
export { type FetchLike, ServerClient, type ServerClientOptions } from './wallet/server-client.js';
export { type WalletCard, type WalletEvent, WalletSdk, type WalletSdkOptions } from './wallet/wallet-sdk.js';
export {
  createFileStore,
  createMemoryStore,
  type TransactionRecord,
  type WalletState,
  type WalletStore,
} from './wallet/wallet-store.js';
