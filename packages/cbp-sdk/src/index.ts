/**
 * @openvse/cbp-sdk — the wallet's CBP SDK (docs/design.md "The actors"; docs/cbp-sdk.md):
 * credentials providers (V-OS CBP TA, or the unprotected software baseline), HCE card emulation
 * as an APDU processor, card and credential management against the CBP server, and the vicc
 * transport to a PC/SC virtual reader.
 */
export * from './errors.js';
export * from './guard/guard-link.js';
export * from './guard/report-queue.js';
export * from './hce/hce-service.js';
export * from './hce/status-words.js';
export * from './provider/credentials-provider.js';
export * from './provider/software-provider.js';
export * from './provider/vos-provider.js';
export * from './transport/index.js';
export * from './wallet/server-client.js';
export * from './wallet/wallet-sdk.js';
export * from './wallet/wallet-store.js';
