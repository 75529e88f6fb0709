/**
 * @openvse/cbp-ta — the CBP Trusted Application (docs/cbp-protocol.md §2–§6; docs/design.md
 * "Cards, keys and cryptograms", "Server ↔ TA messages").
 *
 *  - `createCbpCore(platform)`: the TA's logic, written once against `CbpPlatform`;
 *  - `buildCbpTaBundle({ signingKeyPem })`: the signed V-OS TA package (core + V-OS adapter +
 *    entry points, bundled with esbuild), for `vos.installTa`;
 *  - `createSoftwarePlatform()`: the UNPROTECTED baseline (keys in process memory);
 *  - `createPurePlatform({ randomBytes })`: the same baseline with nothing from Node (emv's pure
 *    backend, noble's P-256 and AES), what runs on Hermes; also `@openvse/cbp-ta/pure`.
 * The TA's header (UUID, commands, parameter layouts, errors and their GP results, reason codes,
 * card profiles, statements) is @openvse/protocol's: import it from there.
 */
export { buildCbpTaBundle, buildCbpTaCode, type CbpTaBundleOptions, cbpTaCodeSha256 } from './bundle.js';
export { type CbpCore, createCbpCore } from './core/create-core.js';
export type { CryptogramResult } from './core/cryptograms.js';
export type { EnrollRequest } from './core/enroll.js';
export type { ProcessedMessage } from './core/messages.js';
export type { CbpPlatform, KeyHandle, StorageOp } from './core/platform.js';
export { createPurePlatform, type PurePlatform, type PurePlatformOptions } from './pure-platform.js';
export {
  createSoftwarePlatform,
  type SoftwarePlatform,
  type SoftwarePlatformOptions,
  softwareTaCodeSha256,
} from './software-platform.js';
