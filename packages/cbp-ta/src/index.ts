/**
 * @openvse/cbp-ta — the CBP Trusted Application (docs/cbp-protocol.md §4–§5; docs/design.md
 * "Cards, keys and cryptograms", "Server ↔ TA messages").
 *
 *  - `createCbpCore(platform)`: the TA's logic, written once against `CbpPlatform`;
 *  - `buildCbpTaBundle({ signingKeyPem })`: the signed V-OS TA package (core + V-OS adapter +
 *    entry points, bundled with esbuild), for `vos.installTa`;
 *  - `createSoftwarePlatform()`: the UNPROTECTED baseline (keys in process memory);
 *  - the command table and result-code mapping for callers (the SDK's VosProvider).
 */
export { buildCbpTaBundle, buildCbpTaCode, type CbpTaBundleOptions, cbpTaCodeSha256 } from './bundle.js';
export * from './commands.js';
export * from './core/index.js';
export {
  createSoftwarePlatform,
  type SoftwarePlatform,
  type SoftwarePlatformOptions,
  softwareTaCodeSha256,
} from './software-platform.js';
